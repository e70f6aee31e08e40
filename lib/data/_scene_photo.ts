/**
 * Renders the photo of a `scenes` street from its label buffers: each pixel's class, owner and
 * surface coordinates pick a material (asphalt with lane markings, paving, grass, facades with
 * windows, foliage, car paint and glass, clothes), lit by a sun whose soft shadows fall from the
 * buildings, cars and trees, then hazed with distance, and finished like a camera image: white
 * balance, vignette, a slight blur and sensor noise.
 *
 * Everything that varies (sun, sky, every building's and car's colours, the noise) is drawn from
 * the photo's own rng, so one label map has many photos (labels -> photo has no single right
 * answer) while each photo stays exactly aligned with its label map. Periodic patterns
 * (windows, markings, tiles) are box-filtered over each pixel's footprint on the surface, so
 * they do not alias at small sizes or far away.
 * @module
 */
import { Rng } from "../nn/rng.ts";
import { CLASS_ID } from "./palette.ts";
import {
  type Facade,
  type LabelBuffers,
  type Layout,
  OWNER_GROUND,
  type Segment,
  segmentAt,
  type Thing,
} from "./_scene_layout.ts";

type RGB = [number, number, number];

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

function jitter(rng: Rng, c: readonly number[], amount: number): RGB {
  const k = uniform(rng, 1 - amount, 1 + amount);
  return [
    c[0] * k * uniform(rng, 0.95, 1.05),
    c[1] * k * uniform(rng, 0.95, 1.05),
    c[2] * k * uniform(rng, 0.95, 1.05),
  ];
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function smoothstep(e0: number, e1: number, x: number): number {
  const t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
}

/** Integer lattice hash -> [0, 1). */
function hash2(x: number, y: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Smooth value noise in [0, 1). */
function noise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x), iy = Math.floor(y);
  const fx = x - ix, fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
  const a = hash2(ix, iy, seed), b = hash2(ix + 1, iy, seed);
  const c = hash2(ix, iy + 1, seed), d = hash2(ix + 1, iy + 1, seed);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

/** Three octaves of {@link noise}, in [0, 1). */
function fbm(x: number, y: number, seed: number): number {
  return 0.57 * noise(x, y, seed) + 0.29 * noise(2.03 * x, 2.03 * y, seed + 1) +
    0.14 * noise(4.1 * x, 4.1 * y, seed + 2);
}

/** Integral over [0, t] of the unit-period pulse that is on in [a, b). */
function pulseIntegral(t: number, a: number, b: number): number {
  const k = Math.floor(t);
  const r = t - k;
  return k * (b - a) + (r < a ? 0 : r > b ? b - a : r - a);
}

/**
 * The fraction of the window [t - w/2, t + w/2] where the unit-period pulse [a, b) is on: a
 * box-filtered stripe pattern (windows, dashes, tile joints) that fades to its mean density when
 * a pixel covers many periods.
 */
function pulse(t: number, a: number, b: number, w: number): number {
  if (w < 1e-4) {
    const r = t - Math.floor(t);
    return r >= a && r < b ? 1 : 0;
  }
  return (pulseIntegral(t + w / 2, a, b) - pulseIntegral(t - w / 2, a, b)) / w;
}

/** Fraction of [x - w/2, x + w/2] inside the band [c - hw, c + hw]. */
function band(x: number, c: number, hw: number, w: number): number {
  if (w < 1e-4) return Math.abs(x - c) <= hw ? 1 : 0;
  const overlap = Math.min(x + w / 2, c + hw) - Math.max(x - w / 2, c - hw);
  return overlap <= 0 ? 0 : Math.min(1, overlap / w);
}

function mixInto(out: RGB, c: readonly number[], k: number): void {
  out[0] += (c[0] - out[0]) * k;
  out[1] += (c[1] - out[1]) * k;
  out[2] += (c[2] - out[2]) * k;
}

const WALLS: readonly RGB[] = [
  [196, 184, 160],
  [168, 92, 72],
  [142, 142, 140],
  [214, 210, 200],
  [124, 102, 86],
  [158, 168, 178],
  [204, 174, 124],
  [182, 150, 132],
];
const PAINT: readonly RGB[] = [
  [228, 228, 226],
  [26, 26, 30],
  [150, 152, 158],
  [172, 32, 30],
  [32, 60, 140],
  [92, 96, 102],
  [32, 82, 52],
  [196, 176, 70],
  [120, 20, 30],
];
const CURB: RGB = [205, 203, 198];
const DRY_GRASS: RGB = [128, 116, 74];
const HAIR: RGB = [40, 30, 24];
const SHOES: RGB = [24, 22, 22];
const TYRE: RGB = [22, 22, 24];
const HUB: RGB = [150, 150, 154];
const HEADLIGHT: RGB = [236, 232, 206];
const TAILLIGHT: RGB = [196, 22, 24];
const PLATE: RGB = [226, 226, 220];
/** Inner and outer colours of square (blue), round (red rim) and triangular signs. */
const SIGN_COLOURS: readonly (readonly [RGB, RGB])[] = [
  [[34, 74, 160], [232, 232, 232]],
  [[236, 236, 236], [196, 30, 34]],
  [[240, 240, 236], [200, 34, 34]],
];
const SKIN: readonly RGB[] = [[230, 192, 162], [204, 152, 120], [152, 106, 76], [102, 72, 52]];
const CLOTHES: readonly RGB[] = [
  [30, 30, 34],
  [180, 40, 40],
  [40, 70, 150],
  [200, 200, 196],
  [90, 110, 60],
  [150, 110, 70],
  [220, 170, 40],
  [110, 60, 120],
];

interface SegmentStyle {
  wall: RGB;
  glass: RGB;
  floorH: number;
  period: number;
  winA: number;
  winB: number;
  rowA: number;
  rowB: number;
  shop: boolean;
  seed: number;
}

interface ThingStyle {
  a: RGB;
  b: RGB;
  c: RGB;
  seed: number;
}

/** Renders the photo of `layout` (whose ray cast is `buf`) as RGB bytes. */
export function renderPhoto(layout: Layout, buf: LabelBuffers, rng: Rng): Uint8Array {
  const { camera: cam, street } = layout;
  const size = cam.size, f = cam.f, H = cam.height, n = size * size;

  // ---- light and sky --------------------------------------------------------------------
  const sunny = rng.uniform() < 0.72;
  const sunSide = rng.uniform() < 0.5 ? -1 : 1;
  const tanElev = uniform(rng, 0.45, 1.8);
  const cotElev = 1 / tanElev;
  const azTan = uniform(rng, -0.6, 0.6);
  const ambient = sunny ? uniform(rng, 0.5, 0.62) : uniform(rng, 0.85, 0.95);
  const direct = sunny ? 1.05 - ambient : 0.08;
  const zenith: RGB = sunny
    ? [uniform(rng, 40, 90), uniform(rng, 100, 145), uniform(rng, 185, 235)]
    : jitter(rng, [170, 175, 182], 0.12);
  const horizon: RGB = sunny
    ? [
      zenith[0] * 0.4 + 140 + uniform(rng, -10, 20),
      zenith[1] * 0.4 + 130,
      zenith[2] * 0.4 + 120,
    ]
    : [zenith[0] * 1.08, zenith[1] * 1.08, zenith[2] * 1.06];
  const cloudCover = sunny ? uniform(rng, 0.5, 0.8) : uniform(rng, 0.25, 0.45);
  const cloudShade: RGB = sunny ? [238, 238, 240] : jitter(rng, [150, 152, 158], 0.1);
  const visibility = uniform(rng, 120, 450);
  const asphalt = jitter(rng, [92, 92, 98], 0.15);
  const paving = jitter(rng, [168, 162, 152], 0.12);
  const grass = jitter(rng, [82, 112, 48], 0.15);
  const marking: RGB = jitter(rng, [218, 218, 212], 0.05);
  const tile = uniform(rng, 0.3, 0.6);
  const seeds = Array.from({ length: 8 }, () => rng.nextU32() | 0);

  // ---- styles of every building and object -------------------------------------------------
  const segStyle = new Map<number, SegmentStyle>();
  const segOf = new Map<number, { fa: Facade; seg: Segment }>();
  for (const fa of layout.facades) {
    for (const seg of fa.segments) {
      segOf.set(seg.id, { fa, seg });
      const ww = uniform(rng, 0.3, 0.6), wh = uniform(rng, 0.38, 0.6);
      segStyle.set(seg.id, {
        wall: jitter(rng, pick(rng, WALLS), 0.1),
        glass: jitter(rng, [48, 60, 78], 0.25),
        floorH: uniform(rng, 2.8, 3.7),
        period: uniform(rng, 2.2, 4.2),
        winA: 0.5 - ww / 2,
        winB: 0.5 + ww / 2,
        rowA: 0.5 - wh / 2 + 0.05,
        rowB: 0.5 + wh / 2 + 0.05,
        shop: rng.uniform() < 0.5,
        seed: rng.nextU32() | 0,
      });
    }
  }
  const things = new Map<number, Thing>();
  const thingStyle = new Map<number, ThingStyle>();
  for (const th of layout.things) {
    things.set(th.id, th);
    let st: ThingStyle;
    if (th.kind === "tree") {
      st = {
        a: jitter(rng, [62, 98, 40], 0.2),
        b: jitter(rng, [86, 68, 52], 0.1),
        c: [0, 0, 0],
        seed: rng.nextU32() | 0,
      };
    } else if (th.kind === "car") {
      st = {
        a: jitter(rng, pick(rng, PAINT), 0.08),
        b: jitter(rng, [36, 42, 50], 0.15),
        c: [0, 0, 0],
        seed: rng.nextU32() | 0,
      };
    } else if (th.kind === "person") {
      st = {
        a: jitter(rng, pick(rng, SKIN), 0.06),
        b: jitter(rng, pick(rng, CLOTHES), 0.12),
        c: jitter(rng, pick(rng, [[40, 46, 70], [30, 30, 32], [90, 90, 96], [60, 50, 40]]), 0.1),
        seed: rng.nextU32() | 0,
      };
    } else {
      st = {
        a: jitter(rng, [138, 140, 142], 0.12),
        b: [0, 0, 0],
        c: [0, 0, 0],
        seed: rng.nextU32() | 0,
      };
    }
    thingStyle.set(th.id, st);
  }
  const exposure = uniform(rng, 0.88, 1.12);
  const balance: RGB = [uniform(rng, 0.94, 1.06), 1, uniform(rng, 0.94, 1.06)];
  const blurK = uniform(rng, 0.1, 0.2);
  const noiseSigma = uniform(rng, 1.5, 4.5);

  // ---- shadows ---------------------------------------------------------------------------
  const sunFacades = layout.facades.filter((fa) => fa.side === sunSide);
  /** How much of the direct light the buildings on the sun's side block at ground (x, z). */
  const buildingShadow = (x: number, z: number): number => {
    if (!sunny) return 0;
    let s = 0;
    for (const fa of sunFacades) {
      const d = (fa.x - x) * fa.side;
      if (d <= 0) continue;
      const seg = segmentAt(fa, z + d * azTan);
      if (!seg) continue;
      const len = seg.h * cotElev, pen = 0.2 + 0.05 * d;
      s = Math.max(s, 1 - smoothstep(len - pen, len + pen, d));
    }
    return s;
  };
  /** Shadow on a facade point (height y at depth z) cast by the buildings across the street. */
  const facadeShadow = (fa: Facade, z: number, y: number): number => {
    if (!sunny || fa.side === sunSide) return 1; // facing away from the sun: no direct light
    let s = 0;
    for (const other of sunFacades) {
      const d = Math.abs(other.x - fa.x);
      const seg = segmentAt(other, z + d * azTan);
      if (!seg) continue;
      const top = seg.h - d * tanElev, pen = 0.3 + 0.04 * d;
      s = Math.max(s, 1 - smoothstep(top - pen, top + pen, y));
    }
    return s;
  };
  interface Caster {
    x0: number;
    x1: number;
    z0: number;
    z1: number;
    soft: number;
    strength: number;
    ao: boolean;
  }
  const casters: Caster[] = [];
  const thingLight = new Map<number, number>();
  for (const th of layout.things) {
    thingLight.set(th.id, 1 - buildingShadow(th.x, th.z + th.len / 2));
    if (th.kind === "car") {
      const reach = sunny ? th.h * cotElev * 0.7 : 0.2;
      casters.push({
        x0: th.x - th.w / 2 - (sunSide > 0 ? reach : 0.1),
        x1: th.x + th.w / 2 + (sunSide < 0 ? reach : 0.1),
        z0: th.z + Math.min(0, th.h * azTan),
        z1: th.z + th.len + Math.max(0, th.h * azTan),
        soft: 0.45,
        strength: 0.9,
        ao: true,
      });
    } else if (th.kind === "tree" && sunny) {
      const r = th.p[2], lift = (th.p[0] + r) * cotElev;
      const cx = th.x - sunSide * lift, cz = th.z + (th.p[0] + r) * azTan;
      casters.push({
        x0: cx - r * 0.8,
        x1: cx + r * 0.8,
        z0: cz - r * 0.8,
        z1: cz + r * 0.8,
        soft: r * 0.5,
        strength: 0.75,
        ao: false,
      });
    } else if (th.kind === "person") {
      casters.push({
        x0: th.x - 0.25 - (sunny && sunSide > 0 ? th.h * cotElev * 0.5 : 0),
        x1: th.x + 0.25 + (sunny && sunSide < 0 ? th.h * cotElev * 0.5 : 0),
        z0: th.z - 0.2,
        z1: th.z + 0.3,
        soft: 0.25,
        strength: 0.6,
        ao: false,
      });
    }
  }
  // Casters by 2 m slices of depth, so a ground point only visits the ones that can reach it.
  const SLICE = 2, SLICES = 80;
  const NONE: Caster[] = [];
  const slices: Caster[][] = Array.from({ length: SLICES }, () => []);
  for (const c of casters) {
    const a = Math.max(0, Math.floor((c.z0 - c.soft) / SLICE));
    const b = Math.min(SLICES - 1, Math.floor((c.z1 + c.soft) / SLICE));
    for (let k = a; k <= b; k++) slices[k].push(c);
  }
  /** Direct-light and skylight factors of the ground at (x, z). */
  const groundLight = (x: number, z: number): number => {
    let shade = buildingShadow(x, z), occlusion = 0;
    const slice = Math.floor(z / SLICE);
    const near = slice >= 0 && slice < SLICES ? slices[slice] : NONE;
    for (const c of near) {
      const ddx = x < c.x0 ? c.x0 - x : x > c.x1 ? x - c.x1 : 0;
      const ddz = z < c.z0 ? c.z0 - z : z > c.z1 ? z - c.z1 : 0;
      const dist = Math.sqrt(ddx * ddx + ddz * ddz);
      if (dist > c.soft) continue;
      const k = c.strength * (1 - smoothstep(0, c.soft, dist));
      shade = Math.max(shade, k);
      if (c.ao) occlusion = Math.max(occlusion, k * 0.45);
    }
    return ambient * (1 - occlusion) + direct * (1 - shade);
  };

  // ---- shading -----------------------------------------------------------------------------
  const img = new Float32Array(n * 3);
  const col: RGB = [0, 0, 0], glassLit: RGB = [0, 0, 0], cloudLit: RGB = [0, 0, 0];
  const roadCenter = (street.roadLeft + street.roadRight) / 2;
  for (let py = 0; py < size; py++) {
    const dy = py + 0.5 - cam.hy;
    for (let px = 0; px < size; px++) {
      const i = py * size + px;
      const dx = px + 0.5 - cam.cx;
      const cls = buf.labels[i], z = buf.depth[i], s = buf.s[i], t = buf.t[i];
      const owner = buf.owner[i], face = buf.face[i];
      let light = 1;
      if (cls === CLASS_ID.sky) {
        const k = clamp01((cam.hy - (py + 0.5)) / (size * 0.6));
        const e = Math.pow(k, 0.8);
        for (let c = 0; c < 3; c++) col[c] = horizon[c] + (zenith[c] - horizon[c]) * e;
        const cloud = fbm(px / size * 3 + 7.3, py / size * 7, seeds[0]);
        const cov = smoothstep(cloudCover, cloudCover + 0.22, cloud);
        const underside = 1 - 0.18 * smoothstep(cloudCover + 0.1, cloudCover + 0.4, cloud);
        cloudLit[0] = cloudShade[0] * underside;
        cloudLit[1] = cloudShade[1] * underside;
        cloudLit[2] = cloudShade[2] * underside;
        mixInto(col, cloudLit, cov * 0.9);
      } else if (owner === OWNER_GROUND) {
        // Ground: (s, t) = world (X, Z); pixel footprint across and along the street.
        const fx = z / f, fz = dy > 0 ? (z * z) / (f * H) : 1;
        const fade = 1 / (1 + fx * 4);
        if (cls === CLASS_ID.road) {
          col[0] = asphalt[0];
          col[1] = asphalt[1];
          col[2] = asphalt[2];
          const grain = 0.9 + 0.2 * fbm(s * 1.7, t * 1.7, seeds[1]);
          const patch = 0.9 + 0.2 * noise(s * 0.18, t * 0.18, seeds[2]);
          const k = 1 + (grain * patch - 1) * (0.3 + 0.7 * fade);
          col[0] *= k;
          col[1] *= k;
          col[2] *= k;
          let paint = 0;
          for (let l = 1; l < street.lanes; l++) {
            const lx = street.roadLeft + l * street.laneWidth;
            paint = Math.max(paint, band(s, lx, 0.07, fx) * pulse(t / 9, 0, 3 / 9, fz / 9));
          }
          paint = Math.max(
            paint,
            band(s, street.roadLeft + 0.3, 0.075, fx),
            band(s, street.roadRight - 0.3, 0.075, fx),
          );
          mixInto(col, marking, paint * 0.9);
        } else if (cls === CLASS_ID.sidewalk) {
          col[0] = paving[0];
          col[1] = paving[1];
          col[2] = paving[2];
          const curb = s < roadCenter ? street.roadLeft : street.roadRight;
          const joints = Math.max(
            pulse((s - curb) / tile, 0, 0.1, fx / tile),
            pulse(t / tile, 0, 0.1, fz / tile),
          );
          const k = (1 - 0.22 * joints) * (0.93 + 0.14 * fbm(s * 2.1, t * 2.1, seeds[3]));
          col[0] *= k;
          col[1] *= k;
          col[2] *= k;
          mixInto(col, CURB, band(s, curb, 0.15, fx) * 0.7);
        } else {
          const v = fbm(s * 0.7, t * 0.7, seeds[4]);
          col[0] = grass[0] * (0.75 + 0.5 * v);
          col[1] = grass[1] * (0.75 + 0.5 * v);
          col[2] = grass[2] * (0.75 + 0.5 * v);
          mixInto(
            col,
            DRY_GRASS,
            smoothstep(0.6, 0.8, noise(s * 0.25, t * 0.25, seeds[5])) * 0.6,
          );
        }
        light = groundLight(s, z);
      } else if (cls === CLASS_ID.building) {
        const st = segStyle.get(owner)!;
        const { fa, seg } = segOf.get(owner)!;
        // Footprint on the wall along its length (s) and height (t).
        const fs = face === 1 ? z / Math.max(0.5, Math.abs(dx)) : z / f, ft = z / f;
        const v = 0.92 + 0.16 * fbm(s * 0.6, t * 0.6, st.seed);
        col[0] = st.wall[0] * v;
        col[1] = st.wall[1] * v;
        col[2] = st.wall[2] * v;
        const ground = t < st.floorH;
        const shopFloor = ground && st.shop;
        let win = pulse(s / st.period, st.winA, st.winB, fs / st.period) *
          pulse(t / st.floorH, st.rowA, st.rowB, ft / st.floorH);
        if (shopFloor) {
          win = pulse(s / st.period, 0.08, 0.92, fs / st.period) * band(t, 1.5, 1.1, ft);
        }
        if (t > seg.h - 0.7 || (!shopFloor && t < 0.9)) win = 0;
        const reflect = 0.8 + 0.5 * (t / seg.h);
        glassLit[0] = st.glass[0] * reflect;
        glassLit[1] = st.glass[1] * reflect;
        glassLit[2] = st.glass[2] * reflect;
        mixInto(col, glassLit, win);
        if (t > seg.h - 0.45) {
          col[0] *= 0.78;
          col[1] *= 0.78;
          col[2] *= 0.78;
        }
        const ao = 0.75 + 0.25 * smoothstep(0, 0.8, t);
        const lit = face === 1 ? 0.95 * (1 - facadeShadow(fa, z, t)) : 0.55;
        light = (ambient + direct * lit) * ao;
      } else {
        const th = things.get(owner)!, st = thingStyle.get(owner)!;
        light = ambient + direct * 0.7 * (thingLight.get(owner) ?? 1);
        if (th.kind === "tree") {
          const [trunkH, trunkW, r] = th.p;
          if (t < trunkH && Math.abs(s) <= trunkW / 2) {
            const k = 0.8 + 0.4 * (1 - Math.abs(s) / (trunkW / 2));
            col[0] = st.b[0] * k;
            col[1] = st.b[1] * k;
            col[2] = st.b[2] * k;
          } else {
            const cy = trunkH + r * 0.75;
            const leaf = 0.65 + 0.6 * fbm(s * 2.6, t * 2.6, st.seed);
            const round = 0.62 +
              0.45 * clamp01(0.5 + 0.5 * ((t - cy) / r) + 0.3 * sunSide * (s / r));
            col[0] = st.a[0] * leaf * round;
            col[1] = st.a[1] * leaf * round;
            col[2] = st.a[2] * leaf * round;
          }
        } else if (th.kind === "pole") {
          if (cls === CLASS_ID.traffic_sign) {
            const half = th.p[2] / 2, du = s, dv = t - th.p[1], shape = th.p[3];
            const rr = Math.sqrt(du * du + dv * dv);
            const inner = shape === 1
              ? rr < half * 0.72
              : shape === 0
              ? Math.max(Math.abs(du), Math.abs(dv)) < half * 0.8
              : dv > -half * 0.6 && Math.abs(du) < (half * 0.5 - dv) * 0.5;
            const c = SIGN_COLOURS[shape][inner ? 0 : 1];
            col[0] = c[0];
            col[1] = c[1];
            col[2] = c[2];
          } else {
            const k = 0.7 + 0.45 * Math.sqrt(clamp01(1 - (2 * s / th.w) ** 2)) +
              0.1 * sunSide * Math.sign(s);
            col[0] = st.a[0] * k;
            col[1] = st.a[1] * k;
            col[2] = st.a[2] * k;
          }
        } else if (th.kind === "person") {
          const headR = th.p[0];
          const c = t > th.h - 2 * headR - 0.02
            ? (t > th.h - headR * 0.7 ? HAIR : st.a)
            : t >= th.h * 0.5
            ? st.b
            : t < 0.08
            ? SHOES
            : st.c;
          const k = 0.8 + 0.35 * clamp01(0.5 + sunSide * s / th.w);
          col[0] = c[0] * k;
          col[1] = c[1] * k;
          col[2] = c[2] * k;
        } else {
          shadeCar(col, th, st, face, s, t, th.x < roadCenter);
          if (face === 3) {
            const facesSun = (th.x > 0 ? -1 : 1) === sunSide;
            light = ambient + direct * (facesSun ? 0.9 : 0.1) * (thingLight.get(owner) ?? 1);
          }
        }
      }
      // Atmospheric perspective: far surfaces fade toward the horizon colour.
      const haze = Number.isFinite(z) ? 1 - Math.exp(-z / visibility) : 0;
      for (let c = 0; c < 3; c++) {
        const v = col[c] * light;
        img[3 * i + c] = v + (horizon[c] - v) * haze;
      }
    }
  }
  return finish(img, size, { exposure, balance, blurK, noiseSigma, rng });
}

/** Car paint, glass, lights, plate and tyres at a point of its end (face 0) or side (face 3). */
function shadeCar(
  col: RGB,
  th: Thing,
  st: ThingStyle,
  face: number,
  s: number,
  t: number,
  front: boolean,
): void {
  const [bodyTop, inset, cs, ce, wheelR] = th.p;
  const bt = th.h * bodyTop, half = th.w / 2;
  let c: readonly number[] = st.a;
  let k = 0.78 + 0.3 * clamp01(t / bt);
  if (face === 3) {
    const a = s;
    const wa = a < th.len / 2 ? 0.8 : th.len - 0.8; // the nearer wheel
    const r = Math.sqrt((a - wa) ** 2 + (t - wheelR) ** 2);
    if (r <= wheelR) {
      c = r < wheelR * 0.55 ? HUB : TYRE;
      k = 1;
    }
    if (c === st.a && t > bt) {
      const kk = (t - bt) / (th.h - bt);
      const a0 = th.len * cs + kk * 0.5, a1 = th.len * ce - kk * 0.4;
      const pillar = Math.abs(a - (a0 + a1) / 2) < 0.06;
      if (t < th.h - 0.06 && a > a0 + 0.08 && a < a1 - 0.08 && !pillar) {
        c = st.b;
        k = 0.85 + 0.4 * kk;
      }
    }
    if (c === st.a && Math.abs(t - bt * 0.85) < 0.02) k *= 0.7; // door seam line
  } else {
    const au = Math.abs(s), base = wheelR * 0.6;
    if (t < base) {
      c = TYRE;
      k = 1;
    } else if (t > bt) {
      const kk = (t - bt) / (th.h - bt);
      if (au < half * (1 - inset - 0.18 * kk) - 0.08 && t < th.h - 0.07) {
        c = st.b;
        k = 0.85 + 0.4 * kk;
      }
    } else if (t < base + 0.2) {
      k *= 0.55; // bumper
    } else if (t > bt - 0.26 && t < bt - 0.08 && au > half - 0.38) {
      c = front ? HEADLIGHT : TAILLIGHT;
      k = 1;
    } else if (au < 0.26 && t > base + 0.24 && t < base + 0.36) {
      c = PLATE;
      k = 1;
    }
  }
  col[0] = c[0] * k;
  col[1] = c[1] * k;
  col[2] = c[2] * k;
}

const GAUSS_MASK = 0xffff;
let gaussValues: Float32Array | undefined;

/** 65536 standard normal values, drawn once from a fixed seed. */
function gaussTable(): Float32Array {
  return (gaussValues ??= new Rng(0x5eed).fillNormal(GAUSS_MASK + 1));
}

/** Camera finish: white balance, exposure, vignette, slight blur, sensor noise, to bytes. */
function finish(
  img: Float32Array,
  size: number,
  o: { exposure: number; balance: RGB; blurK: number; noiseSigma: number; rng: Rng },
): Uint8Array {
  const n = size * size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const rx = (px + 0.5) / size - 0.5, ry = (py + 0.5) / size - 0.5;
      const v = o.exposure * (1 - 0.35 * (rx * rx + ry * ry));
      const i = 3 * (py * size + px);
      for (let c = 0; c < 3; c++) img[i + c] *= v * o.balance[c];
    }
  }
  // Separable 3-tap blur [k, 1 - 2k, k], edges clamped.
  const k = o.blurK, m = 1 - 2 * k;
  const tmp = new Float32Array(img.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const l = Math.max(0, x - 1), r = Math.min(size - 1, x + 1);
      for (let c = 0; c < 3; c++) {
        tmp[3 * (y * size + x) + c] = k * img[3 * (y * size + l) + c] +
          m * img[3 * (y * size + x) + c] + k * img[3 * (y * size + r) + c];
      }
    }
  }
  const out = new Uint8Array(n * 3);
  // Sensor noise: luminance noise shared by the channels plus a little per-channel noise,
  // drawn from a fixed table of normal values at positions from a xorshift32 stream seeded by
  // the rng (Box-Muller per sample cost a fifth of the whole render).
  const table = gaussTable();
  let state = o.rng.nextU32() | 1;
  for (let y = 0; y < size; y++) {
    const u = Math.max(0, y - 1), d = Math.min(size - 1, y + 1);
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const lum = table[state & GAUSS_MASK] * o.noiseSigma;
      for (let c = 0; c < 3; c++) {
        const g = table[(state >>> (8 + 6 * c)) & GAUSS_MASK] * o.noiseSigma * 0.4;
        const v = k * tmp[3 * (u * size + x) + c] + m * tmp[3 * p + c] +
          k * tmp[3 * (d * size + x) + c] + lum + g;
        out[3 * p + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
  return out;
}
