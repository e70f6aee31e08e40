/**
 * The geometry of one `scenes` street and its label map.
 *
 * A pinhole camera stands in a right-hand lane of a straight street and looks down it. The
 * world: a ground plane (road, sidewalks, grass verges), rows of building facades along both
 * sides (segments of varied length and height, with gaps for cross streets and a farther row
 * behind), and upright objects: trees, poles (some with signs), parked and moving cars (boxes
 * whose near face and visible side are drawn), pedestrians. Every pixel is a ray from the
 * camera; its label is the nearest surface it hits (a z-buffer), so occlusion and perspective
 * come out exact. The buffers kept besides the label (depth, owner, surface coordinates) let the
 * photo renderer texture each surface in world units.
 *
 * World units are metres: X to the right, Y up from the ground, Z forward (depth).
 * @module
 */
import type { Rng } from "../nn/rng.ts";
import { CLASS_ID } from "./palette.ts";

/** The camera: focal length and principal point in pixels, height above the ground. */
export interface Camera {
  /** Image side in pixels (images are square). */
  size: number;
  /** Focal length in pixels. */
  f: number;
  /** Image x of the vanishing point of the street (camera yaw). */
  cx: number;
  /** Image y of the horizon (camera pitch). */
  hy: number;
  /** Height of the camera above the ground. */
  height: number;
}

/** One building: a stretch of facade along the street. */
export interface Segment {
  /** Owner id (unique in the scene). */
  id: number;
  /** Near end (depth). */
  z0: number;
  /** Far end. */
  z1: number;
  /** Height. */
  h: number;
  /** How far the building extends away from the street (its end wall). */
  depth: number;
}

/** A row of facades: a vertical plane X = x, facing the street. */
export interface Facade {
  /** -1 left of the street, +1 right. */
  side: -1 | 1;
  /** Lateral position of the plane. */
  x: number;
  /** Buildings, sorted by z0, not overlapping. */
  segments: Segment[];
}

/** An upright object standing on the ground at (x, z). */
export interface Thing {
  /** Owner id (unique in the scene). */
  id: number;
  /** What it is. */
  kind: "tree" | "pole" | "car" | "person";
  /** Lateral position of its centre. */
  x: number;
  /** Depth of its near face. */
  z: number;
  /** Width (across the street). */
  w: number;
  /** Height. */
  h: number;
  /** Length along the street (cars). */
  len: number;
  /** Kind-specific shape parameters (see the shape functions). */
  p: number[];
}

/** The street: lateral edges of each band. */
export interface Street {
  /** Left and right edges of the road. */
  roadLeft: number;
  roadRight: number;
  /** Lane width; lanes are counted from the left edge. */
  laneWidth: number;
  lanes: number;
  /** Sidewalk widths on each side. */
  sidewalkLeft: number;
  sidewalkRight: number;
}

/** Everything the label map and the photo are drawn from. */
export interface Layout {
  camera: Camera;
  street: Street;
  /** Near and back facade rows on both sides. */
  facades: Facade[];
  things: Thing[];
}

/** Kind ids stored in the owner buffer for surfaces that are not objects. */
export const OWNER_GROUND = -1;
/** See {@link OWNER_GROUND}. */
export const OWNER_SKY = -2;

/** Per-pixel results of the ray cast. */
export interface LabelBuffers {
  /** Class id per pixel. */
  labels: Uint8Array;
  /** Depth (Z) of the surface hit, Infinity for sky. */
  depth: Float32Array;
  /** Owner id: a segment or thing id, or OWNER_GROUND / OWNER_SKY. */
  owner: Int32Array;
  /** Surface coordinates: ground (X, Z); facade (Z, Y); end wall (X, Y); thing (u, v). */
  s: Float32Array;
  t: Float32Array;
  /** Which face: 0 ground/sky/billboard, 1 facade, 2 end wall, 3 car side. */
  face: Uint8Array;
}

const Z_NEAR = 0.3;
const Z_FAR = 400;

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

/**
 * Draws a street from `rng`: camera, bands, buildings and objects. The draws happen in a fixed
 * order, so a seed always gives the same street at any image size.
 */
export function makeLayout(rng: Rng, size: number): Layout {
  let nextId = 0;
  // Camera: a 55-95 degree field of view, horizon in the upper middle, yaw up to ~10 degrees.
  const f = size * uniform(rng, 0.55, 0.95);
  const camera: Camera = {
    size,
    f,
    hy: size * uniform(rng, 0.36, 0.52),
    cx: size * uniform(rng, 0.32, 0.68),
    height: uniform(rng, 1.3, 1.9),
  };
  // Street: 2-4 lanes; the camera drives in a right-hand lane (Cityscapes is German traffic).
  const lanes = 2 + rng.int(3);
  const laneWidth = uniform(rng, 2.9, 3.6);
  const ownLane = Math.ceil(lanes / 2) + rng.int(Math.floor(lanes / 2));
  const roadLeft = -(ownLane + 0.5) * laneWidth + uniform(rng, -0.4, 0.4);
  const street: Street = {
    roadLeft,
    roadRight: roadLeft + lanes * laneWidth,
    laneWidth,
    lanes,
    sidewalkLeft: uniform(rng, 1.5, 4.5),
    sidewalkRight: uniform(rng, 1.5, 4.5),
  };
  const facades: Facade[] = [];
  const things: Thing[] = [];
  for (const side of [-1, 1] as const) {
    const curb = side < 0 ? street.roadLeft : street.roadRight;
    const walk = side < 0 ? street.sidewalkLeft : street.sidewalkRight;
    const setback = rng.uniform() < 0.5 ? 0 : uniform(rng, 1, 6);
    const open = rng.uniform() < 0.15; // a park side: no near buildings
    const nearX = curb + side * (walk + setback);
    // Near row: buildings with occasional gaps (cross streets, lots).
    const near: Segment[] = [];
    if (!open) {
      let z = uniform(rng, -4, 8);
      while (z < Z_FAR * 0.6) {
        if (rng.uniform() < 0.18) {
          z += uniform(rng, 5, 16);
          continue;
        }
        const len = uniform(rng, 6, 32);
        const tall = rng.uniform() < 0.12;
        near.push({
          id: nextId++,
          z0: z,
          z1: z + len,
          h: tall ? uniform(rng, 28, 45) : uniform(rng, 6, 26),
          depth: uniform(rng, 8, 20),
        });
        z += len;
      }
    }
    facades.push({ side, x: nearX, segments: near });
    // Back row: a skyline behind the near row, seen through its gaps and above it.
    const back: Segment[] = [];
    let z = uniform(rng, 0, 20);
    while (z < Z_FAR) {
      const len = uniform(rng, 10, 40);
      if (rng.uniform() < 0.1) {
        z += len;
        continue;
      }
      back.push({ id: nextId++, z0: z, z1: z + len, h: uniform(rng, 10, 40), depth: 20 });
      z += len;
    }
    facades.push({ side, x: nearX + side * uniform(rng, 14, 30), segments: back });

    // Trees: on the verge when there is one, else at the outer edge of the sidewalk.
    const treeRow = open || rng.uniform() < 0.6;
    if (treeRow) {
      let tz = uniform(rng, 2, 10);
      const spacing = uniform(rng, 6, 14);
      while (tz < 90) {
        const inPark = open && rng.uniform() < 0.5;
        const tx = inPark
          ? nearX + side * uniform(rng, 0, 15)
          : setback > 1.6
          ? curb + side * (walk + uniform(rng, 0.4 * setback, 0.7 * setback))
          : curb + side * (walk - uniform(rng, 0.6, 1.0));
        const crown = uniform(rng, 1.3, 3.2);
        things.push({
          id: nextId++,
          kind: "tree",
          x: tx,
          z: tz,
          w: 2 * crown,
          h: 0,
          len: 0,
          // trunk height, trunk width, crown radius, three blob offsets (du, dv, r scale)
          p: [
            uniform(rng, 1.5, 3.2),
            uniform(rng, 0.2, 0.4),
            crown,
            uniform(rng, -0.5, 0.5),
            uniform(rng, -0.3, 0.3),
            uniform(rng, 0.6, 0.85),
            uniform(rng, -0.5, 0.5),
            uniform(rng, -0.3, 0.3),
            uniform(rng, 0.6, 0.85),
          ],
        });
        tz += spacing * uniform(rng, 0.7, 1.3);
      }
    }
    // Poles near the curb, some carrying a sign.
    let pz = uniform(rng, 3, 20);
    const poleGap = uniform(rng, 14, 35);
    while (pz < 100) {
      const hasSign = rng.uniform() < 0.45;
      things.push({
        id: nextId++,
        kind: "pole",
        x: curb + side * uniform(rng, 0.3, 0.6),
        z: pz,
        w: uniform(rng, 0.12, 0.22),
        h: uniform(rng, 4, 8),
        len: 0,
        // sign: present, centre height, size, shape (0 square, 1 disc, 2 triangle)
        p: [hasSign ? 1 : 0, uniform(rng, 2.2, 3.2), uniform(rng, 0.55, 0.9), rng.int(3)],
      });
      pz += poleGap * uniform(rng, 0.7, 1.3);
    }
    // Parked cars along this curb, in a row with gaps.
    if (rng.uniform() < 0.55) {
      let cz = uniform(rng, 2, 12);
      while (cz < 70) {
        if (rng.uniform() < 0.75) things.push(car(rng, nextId++, curb - side * 1.15, cz));
        cz += uniform(rng, 5.2, 7.5);
      }
    }
    // Pedestrians on the sidewalk.
    const people = rng.int(4);
    for (let i = 0; i < people; i++) {
      const h = uniform(rng, 1.55, 1.9);
      things.push({
        id: nextId++,
        kind: "person",
        x: curb + side * uniform(rng, 0.5, Math.max(0.6, walk - 0.4)),
        z: uniform(rng, 3, 40),
        w: uniform(rng, 0.42, 0.58),
        h,
        len: 0,
        // head radius, leg gap, arms out
        p: [h * 0.065, uniform(rng, 0, 0.12), rng.uniform() < 0.5 ? 1 : 0],
      });
    }
  }
  // Moving cars in the lanes (not the camera's own lane closer than 9 m).
  for (let lane = 0; lane < lanes; lane++) {
    const x = street.roadLeft + (lane + 0.5) * laneWidth + uniform(rng, -0.3, 0.3);
    let cz = uniform(rng, lane === ownLane ? 9 : 4, 40);
    const count = rng.int(3);
    for (let i = 0; i < count && cz < 90; i++) {
      things.push(car(rng, nextId++, x, cz));
      cz += uniform(rng, 9, 30);
    }
  }
  return { camera, street, facades, things };
}

function car(rng: Rng, id: number, x: number, z: number): Thing {
  const van = rng.uniform() < 0.15;
  return {
    id,
    kind: "car",
    x,
    z,
    w: uniform(rng, 1.7, 1.95),
    h: van ? uniform(rng, 1.9, 2.2) : uniform(rng, 1.38, 1.6),
    len: van ? uniform(rng, 4.8, 5.4) : uniform(rng, 4.1, 4.8),
    // body top (fraction of h), cabin inset (fraction of half width), cabin start, cabin end
    // (fractions of len), wheel radius
    p: [
      van ? 0.55 : uniform(rng, 0.55, 0.65),
      van ? 0.04 : uniform(rng, 0.1, 0.18),
      van ? 0.02 : uniform(rng, 0.22, 0.32),
      van ? 0.85 : uniform(rng, 0.7, 0.8),
      uniform(rng, 0.3, 0.36),
    ],
  };
}

// ---- shapes of things, in local coordinates (u across, v up; metres) ------------------------

/** The class a tree covers at (u, v), or -1. */
function treeAt(t: Thing, u: number, v: number): number {
  const [trunkH, trunkW, r, du1, dv1, s1, du2, dv2, s2] = t.p;
  const cy = trunkH + r * 0.75;
  const blob = (bu: number, bv: number, br: number) => (u - bu) ** 2 + (v - bv) ** 2 <= br * br;
  if (
    blob(0, cy, r) || blob(du1 * r, cy + dv1 * r + 0.3 * r, s1 * r) ||
    blob(du2 * r, cy + dv2 * r - 0.2 * r, s2 * r) ||
    (v >= 0 && v <= cy && Math.abs(u) <= trunkW / 2)
  ) return CLASS_ID.vegetation;
  return -1;
}

function poleAt(t: Thing, u: number, v: number): number {
  const [hasSign, sy, ss, shape] = t.p;
  if (hasSign) {
    const du = u, dv = v - sy, half = ss / 2;
    const inSign = shape === 0
      ? Math.abs(du) <= half && Math.abs(dv) <= half
      : shape === 1
      ? du * du + dv * dv <= half * half
      : dv <= half * 0.8 && dv >= -half * 0.9 && Math.abs(du) <= (half * 0.8 - dv) * 0.62;
    if (inSign) return CLASS_ID.traffic_sign;
  }
  if (v >= 0 && v <= t.h && Math.abs(u) <= t.w / 2) return CLASS_ID.pole;
  return -1;
}

function personAt(t: Thing, u: number, v: number): number {
  const [headR, legGap, arms] = t.p;
  const h = t.h, w = t.w / 2;
  const headY = h - headR;
  if (u * u + (v - headY) ** 2 <= headR * headR) return CLASS_ID.person;
  const shoulder = h - 2 * headR - 0.02, hip = h * 0.5;
  if (v >= hip && v <= shoulder) {
    const taper = 0.75 + 0.25 * (v - hip) / (shoulder - hip);
    if (Math.abs(u) <= w * taper) return CLASS_ID.person;
    if (arms && v >= hip - 0.05 && Math.abs(u) <= w * 1.15 && Math.abs(u) >= w * 0.85) {
      return CLASS_ID.person;
    }
  }
  if (v >= 0 && v < hip) {
    const au = Math.abs(u);
    if (au <= w * 0.6 && au >= legGap / 2) return CLASS_ID.person;
  }
  return -1;
}

/** The car's outline seen from behind or ahead: body, cabin, wheels below the body. */
function carEndAt(t: Thing, u: number, v: number): number {
  const [bodyTop, inset, , , wheelR] = t.p;
  const half = t.w / 2, bt = t.h * bodyTop, au = Math.abs(u);
  if (v < 0 || v > t.h) return -1;
  if (v >= wheelR * 0.6 && v <= bt) {
    // Rounded lower corners.
    const c = 0.12;
    if (au <= half - c || v >= wheelR * 0.6 + c) return au <= half ? CLASS_ID.car : -1;
    return (au - (half - c)) ** 2 + (v - wheelR * 0.6 - c) ** 2 <= c * c ? CLASS_ID.car : -1;
  }
  if (v < wheelR * 0.6) {
    return au >= half - 0.45 && au <= half - 0.08 ? CLASS_ID.car : -1; // tyres
  }
  // Cabin narrows toward the roof.
  const k = (v - bt) / (t.h - bt);
  return au <= half * (1 - inset - 0.18 * k) ? CLASS_ID.car : -1;
}

/** The car's side profile: `a` is the distance from its near end along the street. */
function carSideAt(t: Thing, a: number, v: number): number {
  const [bodyTop, , cs, ce, wheelR] = t.p;
  const L = t.len, bt = t.h * bodyTop;
  if (a < 0 || a > L || v < 0 || v > t.h) return -1;
  for (const wa of [0.8, L - 0.8]) {
    if ((a - wa) ** 2 + (v - wheelR) ** 2 <= wheelR * wheelR) return CLASS_ID.car;
  }
  if (v >= wheelR * 0.6 && v <= bt) return CLASS_ID.car;
  if (v > bt) {
    // The cabin: a trapezoid with sloped windscreens.
    const k = (v - bt) / (t.h - bt);
    const a0 = L * cs + k * 0.5, a1 = L * ce - k * 0.4;
    return a >= a0 && a <= a1 ? CLASS_ID.car : -1;
  }
  return -1;
}

/** Class of the ground at lateral position X. */
export function groundClass(street: Street, x: number): number {
  if (x >= street.roadLeft && x <= street.roadRight) return CLASS_ID.road;
  if (x < street.roadLeft) {
    return x >= street.roadLeft - street.sidewalkLeft ? CLASS_ID.sidewalk : CLASS_ID.terrain;
  }
  return x <= street.roadRight + street.sidewalkRight ? CLASS_ID.sidewalk : CLASS_ID.terrain;
}

/** The segment of `facade` covering depth z, if any (segments are sorted and disjoint). */
export function segmentAt(facade: Facade, z: number): Segment | undefined {
  const segs = facade.segments;
  let lo = 0, hi = segs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid].z1 < z) lo = mid + 1;
    else if (segs[mid].z0 > z) hi = mid - 1;
    else return segs[mid];
  }
  return undefined;
}

/** Ray-casts every pixel of the layout: labels, depth and surface coordinates. */
export function rasterLabels(layout: Layout): LabelBuffers {
  const { camera: cam, street } = layout;
  const n = cam.size * cam.size;
  const b: LabelBuffers = {
    labels: new Uint8Array(n),
    depth: new Float32Array(n),
    owner: new Int32Array(n),
    s: new Float32Array(n),
    t: new Float32Array(n),
    face: new Uint8Array(n),
  };
  const size = cam.size, f = cam.f, H = cam.height;
  for (let py = 0; py < size; py++) {
    const dy = py + 0.5 - cam.hy;
    for (let px = 0; px < size; px++) {
      const dx = px + 0.5 - cam.cx;
      const i = py * size + px;
      let best = Infinity, cls: number = CLASS_ID.sky, owner = OWNER_SKY, s = 0, t = 0, face = 0;
      if (dy > 0) {
        const z = (f * H) / dy;
        if (z < Z_FAR * 2) {
          best = z;
          const x = (dx * z) / f;
          cls = groundClass(street, x);
          owner = OWNER_GROUND;
          s = x;
          t = z;
        }
      }
      for (const fa of layout.facades) {
        // The facade plane X = fa.x, hit where the ray's x reaches it.
        if (dx * fa.side > 0) {
          const z = (f * fa.x) / dx;
          if (z > Z_NEAR && z < best) {
            const seg = segmentAt(fa, z);
            const y = H - (dy * z) / f;
            if (seg && y >= 0 && y <= seg.h) {
              best = z;
              cls = CLASS_ID.building;
              owner = seg.id;
              s = z - seg.z0;
              t = y;
              face = 1;
            }
          }
        }
      }
      b.labels[i] = cls;
      b.depth[i] = best;
      b.owner[i] = owner;
      b.s[i] = s;
      b.t[i] = t;
      b.face[i] = face;
    }
  }
  for (const fa of layout.facades) {
    for (const seg of fa.segments) drawEndWall(b, cam, fa, seg);
  }
  for (const thing of layout.things) drawThing(b, cam, thing);
  return b;
}

/**
 * Draws the end wall of a building (the plane Z = z0, from the facade outward by its depth)
 * where it is nearer than what is there: the side of a building seen across a gap or above a
 * lower neighbour.
 */
function drawEndWall(b: LabelBuffers, cam: Camera, fa: Facade, seg: Segment): void {
  const z = seg.z0, { f, size } = cam, H = cam.height;
  if (z <= Z_NEAR) return;
  const xa = cam.cx + (f * fa.x) / z, xb = cam.cx + (f * (fa.x + fa.side * seg.depth)) / z;
  const x0 = Math.max(0, Math.floor(Math.min(xa, xb))),
    x1 = Math.min(size - 1, Math.ceil(Math.max(xa, xb)));
  const y0 = Math.max(0, Math.floor(cam.hy + (f * (H - seg.h)) / z));
  const y1 = Math.min(size - 1, Math.ceil(cam.hy + (f * H) / z));
  for (let py = y0; py <= y1; py++) {
    const y = H - ((py + 0.5 - cam.hy) * z) / f;
    if (y < 0 || y > seg.h) continue;
    for (let px = x0; px <= x1; px++) {
      const i = py * size + px;
      if (z >= b.depth[i]) continue;
      const out = (((px + 0.5 - cam.cx) * z) / f - fa.x) * fa.side;
      if (out < 0 || out > seg.depth) continue;
      b.labels[i] = CLASS_ID.building;
      b.depth[i] = z;
      b.owner[i] = seg.id;
      b.s[i] = out;
      b.t[i] = y;
      b.face[i] = 2;
    }
  }
}

/** Draws one upright object into the buffers where it is nearer than what is there. */
function drawThing(b: LabelBuffers, cam: Camera, th: Thing): void {
  const { f, size } = cam, H = cam.height;
  if (th.z <= Z_NEAR) return;
  const put = (i: number, cls: number, z: number, s: number, t: number, face: number) => {
    if (z >= b.depth[i]) return;
    b.labels[i] = cls;
    b.depth[i] = z;
    b.owner[i] = th.id;
    b.s[i] = s;
    b.t[i] = t;
    b.face[i] = face;
  };
  // Screen box of the object's near face, then of its far end (cars), clipped to the image.
  const zFar = th.z + th.len;
  const halfW = th.kind === "tree" ? th.w : th.kind === "pole" ? Math.max(th.w, th.p[2]) : th.w;
  const top = th.kind === "tree"
    ? th.p[0] + th.p[2] * 2.2
    : th.kind === "pole"
    ? Math.max(th.h, th.p[1] + th.p[2])
    : th.h;
  const xs = [th.z, zFar].flatMap((z) => [
    cam.cx + (f * (th.x - halfW)) / z,
    cam.cx + (f * (th.x + halfW)) / z,
  ]);
  const ys = [th.z, zFar].flatMap((z) => [cam.hy + (f * (H - top)) / z, cam.hy + (f * H) / z]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs))),
    x1 = Math.min(size - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys))),
    y1 = Math.min(size - 1, Math.ceil(Math.max(...ys)));
  for (let py = y0; py <= y1; py++) {
    const dy = py + 0.5 - cam.hy;
    for (let px = x0; px <= x1; px++) {
      const dx = px + 0.5 - cam.cx;
      const i = py * size + px;
      // The near (camera-facing) face at depth th.z.
      const u = (dx * th.z) / f - th.x, v = H - (dy * th.z) / f;
      const cls = th.kind === "tree"
        ? treeAt(th, u, v)
        : th.kind === "pole"
        ? poleAt(th, u, v)
        : th.kind === "person"
        ? personAt(th, u, v)
        : carEndAt(th, u, v);
      if (cls >= 0) {
        put(i, cls, th.z, u, v, 0);
        continue;
      }
      // Cars straddling the camera axis show no side.
      if (th.kind !== "car" || Math.abs(th.x) <= th.w / 2) continue;
      // The car side facing the camera: the plane X = x -+ w/2 toward the camera axis.
      const sideX = th.x > 0 ? th.x - th.w / 2 : th.x + th.w / 2;
      if (dx * sideX <= 0) continue;
      const z = (f * sideX) / dx;
      if (z < th.z || z > zFar) continue;
      const vs = H - (dy * z) / f;
      if (carSideAt(th, z - th.z, vs) >= 0) put(i, CLASS_ID.car, z, z - th.z, vs, 3);
    }
  }
}
