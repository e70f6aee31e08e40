/**
 * Validation of a user's dataset folder without training on it (`deno task data check DIR`):
 * which domain folders exist, how many images each holds, their sizes and kinds, the files that
 * cannot be read, and whether the chosen preprocessing fits every image.
 *
 * ```ts
 * import { checkFolder } from "./check.ts";
 * const report = await checkFolder("datasets/horse2zebra");
 * if (!report.ok) console.log(report.problems.join("\n"));
 * ```
 * @module
 */
import { decodeImage, listImages } from "./io.ts";
import {
  checkCropFitsLoad,
  checkImageSize,
  cropsRandomly,
  preparedSize,
  type PreprocessOptions,
  resolvePreprocess,
} from "./preprocess.ts";
import { pairByName } from "./source.ts";

/** What {@link checkFolder} found in one domain folder (`trainA`, `testB`, ...). */
export interface DomainReport {
  /** PNG and JPEG files found (recursively), readable or not. */
  files: number;
  /** Images that decoded. */
  images: number;
  /** Count of readable images by `WIDTHxHEIGHT`. */
  sizes: Record<string, number>;
  /** Count of readable images by kind: `rgb`, `gray` (R = G = B everywhere), `alpha` (some transparency). */
  kinds: Record<string, number>;
  /** Files that could not be decoded, with the reason. */
  bad: { file: string; error: string }[];
  /** Image files in formats we cannot read (`.bmp`, `.tif`, ...). */
  unsupported: string[];
  /** Other files, ignored. */
  ignored: number;
  /** Training images too small for the crop after preprocessing. */
  too_small: string[];
}

/** The result of {@link checkFolder}; JSON-safe. */
export interface FolderReport {
  /** The folder checked. */
  root: string;
  /** No problems: the folder can be trained on with the given preprocessing. */
  ok: boolean;
  /** The preprocessing checked against. */
  preprocess: PreprocessOptions;
  /** Every `<phase>A` / `<phase>B` folder found, by name. */
  folders: Record<string, DomainReport>;
  /** Per phase with both domains (`test`, `val`, ...): how its files pair by name. */
  pairing: Record<string, { pairs: number; paired: boolean }>;
  /** What stops training (missing or empty training folders, bad images, crops too big). */
  problems: string[];
  /** What training survives (unsupported files skipped, no test split, ...). */
  warnings: string[];
}

function kindOf(data: Uint8Array): string {
  let gray = true;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] !== 255) return "alpha";
    if (gray && (data[i] !== data[i + 1] || data[i] !== data[i + 2])) gray = false;
  }
  return gray ? "gray" : "rgb";
}

/**
 * Checks `root` in the official layout against `preprocess` (default: the official 286 -> 256
 * `resize_and_crop`) with training folders `<phase>A`, `<phase>B` (default `train`). Reads and
 * decodes every image; writes nothing. A missing `root` throws Deno.errors.NotFound.
 */
export async function checkFolder(
  root: string,
  options: { preprocess?: Partial<PreprocessOptions>; phase?: string } = {},
): Promise<FolderReport> {
  const p = resolvePreprocess(options.preprocess ?? {});
  const phase = options.phase ?? "train";
  const dir = root.replace(/\/+$/, "") || "/";
  const st = await Deno.stat(dir);
  if (!st.isDirectory) throw new Deno.errors.NotADirectory(`"${dir}" is not a folder`);
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.name.startsWith(".") && /[AB]$/.test(e.name) && (e.isDirectory || e.isSymlink)) {
      if ((await Deno.stat(`${dir}/${e.name}`)).isDirectory) names.push(e.name);
    }
  }
  names.sort();
  const problems: string[] = [];
  const warnings: string[] = [];
  const early = checkCropFitsLoad(p);
  if (early) problems.push(early);
  const folders: Record<string, DomainReport> = {};
  const imageNames: Record<string, string[]> = {};
  for (const name of names) {
    const listing = await listImages(`${dir}/${name}`);
    const r: DomainReport = {
      files: listing.images.length,
      images: 0,
      sizes: {},
      kinds: {},
      bad: [],
      unsupported: listing.unsupported,
      ignored: listing.ignored,
      too_small: [],
    };
    imageNames[name] = [];
    for (const file of listing.images) {
      try {
        const img = await decodeImage(await Deno.readFile(file.path), file.path);
        r.images++;
        imageNames[name].push(file.name);
        const size = `${img.width}x${img.height}`;
        r.sizes[size] = (r.sizes[size] ?? 0) + 1;
        const kind = kindOf(img.data);
        r.kinds[kind] = (r.kinds[kind] ?? 0) + 1;
        // Only training images are cropped; evaluation resizes to crop_size.
        const training = name === `${phase}A` || name === `${phase}B`;
        if (training && !early && checkImageSize(img.width, img.height, p)) {
          r.too_small.push(`${file.name} (${size})`);
        }
      } catch (e) {
        r.bad.push({ file: `${name}/${file.name}`, error: (e as Error).message });
      }
    }
    folders[name] = r;
    if (r.bad.length) {
      problems.push(
        `${name}/: ${r.bad.length} unreadable image(s), e.g. ${r.bad[0].error}` +
          ` (train with on_bad_image: skip to leave them out)`,
      );
    }
    if (r.unsupported.length) {
      warnings.push(
        `${name}/: ${r.unsupported.length} image(s) in formats we cannot read are ignored ` +
          `(e.g. ${r.unsupported[0]}); convert them to PNG`,
      );
    }
    if (r.too_small.length) {
      problems.push(
        `${name}/: ${r.too_small.length} image(s) are smaller than crop_size ${p.crop_size} ` +
          `after preprocess ${p.preprocess}, e.g. ${r.too_small[0]}`,
      );
    }
    if (!cropsRandomly(p.preprocess) && (name === `${phase}A` || name === `${phase}B`)) {
      const out = new Set(
        Object.keys(r.sizes).map((s) => {
          const [w, h] = s.split("x").map(Number);
          return preparedSize(w, h, p).join("x");
        }),
      );
      if (out.size > 1) {
        problems.push(
          `${name}/: preprocess ${p.preprocess} keeps each image's size and they differ ` +
            `(${[...out].join(", ")} after preprocessing); use a crop mode`,
        );
      }
    }
  }
  for (const domain of [`${phase}A`, `${phase}B`]) {
    if (!folders[domain]) problems.push(`no ${domain}/ folder (the official layout needs it)`);
    else if (folders[domain].images === 0) {
      problems.push(`${domain}/ holds no readable PNG or JPEG images`);
    }
  }
  const pairing: FolderReport["pairing"] = {};
  const phases = new Set(names.map((n) => n.slice(0, -1)));
  for (const ph of [...phases].sort()) {
    if (!imageNames[`${ph}A`] || !imageNames[`${ph}B`]) {
      warnings.push(`${ph}A/ and ${ph}B/ do not both exist; ${ph} is not a usable split`);
      continue;
    }
    const { pairs, paired } = pairByName(imageNames[`${ph}A`], imageNames[`${ph}B`]);
    pairing[ph] = { pairs: pairs.length, paired };
  }
  if (!pairing.test) warnings.push("no testA/ and testB/: evaluation needs a test split");
  return {
    root: dir,
    ok: problems.length === 0,
    preprocess: p,
    folders,
    pairing,
    problems,
    warnings,
  };
}
