/**
 * How faithfully does a feature extractor rank translation quality? A measurement, run by hand
 * (minutes), whose numbers are recorded in `lib/metrics/README.md`.
 *
 * ```sh
 * deno run -A lib/metrics/extractor_study.ts [--n 200] [--size 64] [--variants a,b,...] \
 *   [--degradations blur,noise,...] [--world 0] [--json study.json]
 * ```
 *
 * Reference set R: `n` photos of the built-in `scenes` world (seed `--world`; not 1703, on
 * which the segmenter behind `scenes-net` was trained); evaluation set C: `n` other photos of
 * the same world (a perfect generator). C is then degraded in four ways, each at five
 * increasing strengths, standing in for worse and worse translations:
 *
 * - `blur`: Gaussian blur, sigma 0.5, 1, 1.5, 2, 3 pixels;
 * - `noise`: additive Gaussian noise, std 4, 8, 16, 32, 64 (of 255);
 * - `colour`: colour cast (+s, 0, -s) on (R, G, B), s = 4, 8, 16, 32, 64;
 * - `mix`: a fraction 0.1, 0.2, 0.4, 0.6, 0.8 of the photos replaced by their label maps (a
 *   generator that fails by copying its input);
 * - `collapse`: a fraction 0.1, 0.2, 0.4, 0.6, 0.8 of the photos replaced by copies of 4 of
 *   them (mode collapse, the failure the paper reports for one-sided cycles, Sec. 5.1.4);
 * - `patches`: every photo cut into p x p tiles that are shuffled, p = 32, 16, 8, 4, 2 px at
 *   64 px (scaled with `size`): local colour and texture kept, layout destroyed.
 *
 * For each extractor variant it reports FID(R, C_level) and KID for levels 0..5 and the
 * Spearman rank correlation between strength and FID (1 = the metric orders every degradation
 * level correctly). `n` is below the feature dimension, so FID is the rank-deficient estimate,
 * comparable here because every set has the same `n`.
 *
 * Variants: `random-conv-s0` (the registered network), `last` (its last block only, 256-d),
 * `size128` (128 x 128 input), `s1`, `s2` (other seeds), `scenes-net` (the trained segmenter's
 * encoder block averages), `scenes-net/all`, `scenes-net/dec` (all its blocks, or the decoder's),
 * `inception-v3` (when `$CYCLEBENCH_INCEPTION` is set). `--degradations` picks a subset.
 * @module
 */
import { parseArgs } from "node:util";
import { selectBackend } from "../backend/mod.ts";
import { generateScene } from "../data/scenes.ts";
import type { Pixels } from "../data/pixels.ts";
import { Rng } from "../nn/rng.ts";
import {
  createExtractor,
  type Extractor,
  RANDOM_CONV_S0,
  randomConvNet,
  segmenterExtractor,
} from "./extractors/mod.ts";
import { loadSegmenter } from "./segmenter.ts";
import type { FeatureMatrix } from "./features.ts";
import { fidOfFeatures } from "./fid.ts";
import { extractFeatures } from "./images.ts";
import { kernelDistance } from "./kid.ts";

/** Degradations by name: strengths and the function applying one to an image set. */
const DEGRADATIONS: Record<
  string,
  { levels: number[]; apply: (photos: Pixels[], labels: Pixels[], s: number) => Pixels[] }
> = {
  blur: { levels: [0.5, 1, 1.5, 2, 3], apply: (p, _, s) => p.map((img) => blur(img, s)) },
  noise: {
    levels: [4, 8, 16, 32, 64],
    apply: (p, _, s) => {
      const rng = new Rng(1);
      return p.map((img) => mapPixels(img, (v) => v + s * rng.normal()));
    },
  },
  colour: {
    levels: [4, 8, 16, 32, 64],
    apply: (p, _, s) =>
      p.map((img) => mapPixels(img, (v, c) => v + (c === 0 ? s : c === 2 ? -s : 0))),
  },
  mix: {
    levels: [0.1, 0.2, 0.4, 0.6, 0.8],
    apply: (p, labels, frac) => {
      // The same random order for every fraction, so higher fractions contain the lower ones.
      const order = shuffled(p.length, new Rng(2));
      const replaced = new Set(order.slice(0, Math.round(frac * p.length)));
      return p.map((img, i) => (replaced.has(i) ? labels[i] : img));
    },
  },
  collapse: {
    levels: [0.1, 0.2, 0.4, 0.6, 0.8],
    apply: (p, _, frac) => {
      const order = shuffled(p.length, new Rng(3));
      const modes = order.slice(0, 4);
      const replaced = new Set(order.slice(4, 4 + Math.round(frac * p.length)));
      return p.map((img, i) => (replaced.has(i) ? p[modes[i % 4]] : img));
    },
  },
  patches: {
    levels: [32, 16, 8, 4, 2],
    apply: (p, _, tile) => {
      const rng = new Rng(4);
      return p.map((img) => shuffleTiles(img, Math.max(1, Math.round(tile * img.width / 64)), rng));
    },
  },
};

/** The image cut into `t` x `t` tiles (whole tiles only; a remainder stays) in random order. */
function shuffleTiles(img: Pixels, t: number, rng: Rng): Pixels {
  const nx = Math.floor(img.width / t), ny = Math.floor(img.height / t);
  const order = shuffled(nx * ny, rng);
  const data = Uint8Array.from(img.data);
  for (let k = 0; k < nx * ny; k++) {
    const sx = (order[k] % nx) * t, sy = Math.floor(order[k] / nx) * t;
    const dx = (k % nx) * t, dy = Math.floor(k / nx) * t;
    for (let y = 0; y < t; y++) {
      const src = ((sy + y) * img.width + sx) * 3, dst = ((dy + y) * img.width + dx) * 3;
      data.set(img.data.subarray(src, src + 3 * t), dst);
    }
  }
  return { ...img, data };
}

function mapPixels(img: Pixels, f: (v: number, channel: number) => number): Pixels {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.max(0, Math.min(255, Math.round(f(img.data[i], i % 3))));
  }
  return { ...img, data };
}

/** Separable Gaussian blur, radius ceil(3 sigma), mirrored borders. */
function blur(img: Pixels, sigma: number): Pixels {
  const r = Math.ceil(3 * sigma);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-0.5 * ((i - r) / sigma) ** 2));
  const total = k.reduce((s, v) => s + v, 0);
  const { width: w, height: h } = img;
  const mirror = (i: number, n: number) => (i < 0 ? -i - 1 : i >= n ? 2 * n - i - 1 : i);
  const pass = (src: Float64Array, horizontal: boolean) => {
    const out = new Float64Array(src.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let t = -r; t <= r; t++) {
            const xx = horizontal ? mirror(x + t, w) : x, yy = horizontal ? y : mirror(y + t, h);
            s += k[t + r] * src[(yy * w + xx) * 3 + c];
          }
          out[(y * w + x) * 3 + c] = s / total;
        }
      }
    }
    return out;
  };
  const out = pass(pass(Float64Array.from(img.data), true), false);
  return { ...img, data: Uint8Array.from(out, (v) => Math.max(0, Math.min(255, Math.round(v)))) };
}

function shuffled(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Spearman's rank correlation (average ranks for ties). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  const ranks = (v: readonly number[]) => {
    const order = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < order.length;) {
      let j = i;
      while (j + 1 < order.length && v[order[j + 1]] === v[order[i]]) j++;
      for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const rx = ranks(x), ry = ranks(y), n = x.length;
  const mx = rx.reduce((s, v) => s + v, 0) / n, my = ry.reduce((s, v) => s + v, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

async function variant(name: string): Promise<Extractor> {
  switch (name) {
    case "random-conv-s0":
      return randomConvNet(RANDOM_CONV_S0);
    case "last":
      return randomConvNet({ ...RANDOM_CONV_S0, name: "random-conv-s0/last", features: "last" });
    case "size128":
      return randomConvNet({ ...RANDOM_CONV_S0, name: "random-conv-s0/128", size: 128 });
    case "s1":
    case "s2":
      return randomConvNet({
        ...RANDOM_CONV_S0,
        name: `random-conv-${name}`,
        seed: Number(name[1]),
      });
    case "scenes-net/all":
    case "scenes-net/dec":
      return segmenterExtractor(await loadSegmenter(), {
        name,
        features: name.endsWith("all") ? "all" : "decoder",
      });
    default:
      return await createExtractor(name);
  }
}

interface Row {
  degradation: string;
  fid: number[];
  kid: number[];
  spearman: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      n: { type: "string", default: "200" },
      size: { type: "string", default: "64" },
      variants: { type: "string", default: "random-conv-s0,last,size128,s1,s2" },
      json: { type: "string" },
      degradations: { type: "string", default: Object.keys(DEGRADATIONS).join(",") },
      world: { type: "string", default: "0" },
    },
  });
  const n = Number(values.n), size = Number(values.size);
  await selectBackend("wasm");
  const t0 = performance.now();
  const world = Number(values.world);
  const reference = Array.from({ length: n }, (_, i) => generateScene(world, i, size).photo!);
  const scenes = Array.from({ length: n }, (_, i) => generateScene(world, n + i, size));
  const clean = scenes.map((s) => s.photo!), labels = scenes.map((s) => s.labelPixels);
  const sets: Record<string, Pixels[][]> = {};
  for (const name of values.degradations.split(",")) {
    const d = DEGRADATIONS[name];
    if (!d) {
      throw new Error(
        `unknown degradation "${name}"; expected one of ${Object.keys(DEGRADATIONS)}`,
      );
    }
    sets[name] = [clean, ...d.levels.map((s) => d.apply(clean, labels, s))];
  }
  console.error(
    `images: ${n} reference + ${n} x ${
      1 + 5 * Object.keys(sets).length
    } evaluation sets of ${size}px scenes ` +
      `(${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
  const report: Record<string, Row[]> = {};
  for (const v of values.variants.split(",")) {
    const net = await variant(v);
    const t1 = performance.now();
    const feats = (images: Pixels[]): Promise<FeatureMatrix> =>
      extractFeatures(net, images.length, (i) => images[i]);
    const ref = await feats(reference);
    const cache = new Map<Pixels[], FeatureMatrix>();
    const rows: Row[] = [];
    for (const [name, levels] of Object.entries(sets)) {
      const fid: number[] = [], kid: number[] = [];
      for (const images of levels) {
        if (!cache.has(images)) cache.set(images, await feats(images));
        const f = cache.get(images)!;
        fid.push(fidOfFeatures(ref, f).fid);
        kid.push(kernelDistance(ref, f, { subsets: 20, seed: 0 }).mean);
      }
      rows.push({ degradation: name, fid, kid, spearman: spearman(fid.map((_, i) => i), fid) });
    }
    report[net.name] = rows;
    console.error(`${net.name} (${net.dims}-d): ${((performance.now() - t1) / 1000).toFixed(0)} s`);
    net.dispose();
  }
  // Markdown: one table per extractor, FID by level, then Spearman.
  const lines: string[] = [];
  for (const [name, rows] of Object.entries(report)) {
    lines.push(`\n#### ${name}\n`);
    lines.push(
      "| degradation | " + [0, 1, 2, 3, 4, 5].map((l) => `L${l}`).join(" | ") +
        " | Spearman (FID) | Spearman (KID) |",
    );
    lines.push("|---|" + "---|".repeat(8));
    for (const r of rows) {
      const kidRho = spearman(r.kid.map((_, i) => i), r.kid);
      lines.push(
        `| ${r.degradation} | ${r.fid.map((v) => v.toPrecision(3)).join(" | ")} | ` +
          `${r.spearman.toFixed(3)} | ${kidRho.toFixed(3)} |`,
      );
    }
  }
  console.log(lines.join("\n"));
  if (values.json) {
    await Deno.writeTextFile(
      values.json,
      JSON.stringify({ n, size, world, degradations: DEGRADATIONS, report }, null, 2),
    );
  }
}

if (import.meta.main) await main();
