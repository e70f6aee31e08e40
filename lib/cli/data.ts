/**
 * `deno task data`: the datasets, from the command line.
 *
 * ```sh
 * deno task data list [--json]                       # kinds, sizes, licences, options
 * deno task data export scenes --out DIR [--size N] [--count N] [--test-count N] [--seed N]
 * deno task data check DIR [--phase train] [--preprocess MODE] [--load_size N] [--crop_size N]
 * ```
 *
 * `export` writes a built-in dataset in the official folder layout (`trainA/`, `trainB/`,
 * `testA/`, `testB/`, PNG) plus `dataset.json` (name, options, counts, classes) and
 * `examples.png` (the first 8 test pairs, A above B), so it can be trained on as a `folder`
 * dataset or looked at. `check` validates a user folder: counts, sizes,
 * kinds of images, unreadable files, crops that do not fit; it exits with 1 when training would
 * fail. `--json` prints one JSON document on stdout instead of text. A bad flag, value or path
 * prints one line naming it and exits with code 2.
 * @module
 */
import { z } from "zod";
import { runMain, UserError } from "./_errors.ts";
import { HELP_FLAG, helpText, intFlag, parseCli } from "./_flags.ts";
import {
  DATASET_NAMES,
  datasetEntry,
  isDatasetName,
  resolveDatasetOptions,
  SKIPPED_SHOWN,
} from "../data/mod.ts";
import { checkFolder, type FolderReport } from "../data/check.ts";
import type { RawFolder } from "../data/_common.ts";
import { encodePng } from "../data/io.ts";
import { type Pixels, toRgb } from "../data/pixels.ts";
import { PALETTE, SCENE_CLASSES } from "../data/palette.ts";
import { PREPROCESS_MODES, type PreprocessMode } from "../data/preprocess.ts";
import { writeAtomic } from "../data/cache.ts";

const USAGE = [
  "usage: deno task data list [--json]",
  "       deno task data export NAME --out DIR [--size N] [--count N] [--test-count N] " +
  "[--seed N] [--force] [--json]",
  "       deno task data check DIR [--phase NAME] [--preprocess MODE] [--load_size N] " +
  "[--crop_size N] [--json]",
].join("\n");

const POSITIVE = "a positive integer";

const FLAGS = {
  json: { type: "boolean", default: false, doc: "print one JSON document instead of text" },
  out: { type: "string", arg: "DIR", doc: "export: the folder to write (new or empty)" },
  size: { type: "string", arg: "N", expects: POSITIVE, doc: "export: image size in pixels" },
  count: {
    type: "string",
    arg: "N",
    expects: POSITIVE,
    doc: "export: training images (generated kinds; test: a fifth) or a cap",
  },
  "test-count": {
    type: "string",
    arg: "N",
    expects: POSITIVE,
    doc: "export: test images (generated kinds)",
  },
  seed: {
    type: "string",
    arg: "N",
    expects: "a non-negative integer",
    doc: "export: the dataset's seed",
  },
  force: { type: "boolean", default: false, doc: "export: write into a folder that is not empty" },
  phase: {
    type: "string",
    arg: "NAME",
    doc: "check: the training folders <phase>A, <phase>B (default train)",
  },
  preprocess: {
    type: "string",
    arg: "MODE",
    doc: `check: the preprocessing to check crops against (${PREPROCESS_MODES.join(", ")})`,
  },
  load_size: {
    type: "string",
    arg: "N",
    expects: POSITIVE,
    doc: "check: the load size crops are checked against",
  },
  crop_size: {
    type: "string",
    arg: "N",
    expects: POSITIVE,
    doc: "check: the crop size (must fit the images)",
  },
  help: HELP_FLAG,
} as const;

const CLI = { usage: USAGE, flags: FLAGS, allowPositionals: true } as const;

/** Which flags each command takes (parseArgs is told all of them; the rest are refused here). */
const ALLOWED: Record<string, string[]> = {
  list: ["json"],
  export: ["json", "out", "size", "count", "test-count", "seed", "force"],
  check: ["json", "phase", "preprocess", "load_size", "crop_size"],
};

function usage(message: string): UserError {
  return new UserError(message, 2);
}

function parse(args: string[]) {
  return parseCli(args, CLI);
}

type Values = ReturnType<typeof parse>["values"];

/** A non-negative integer flag (seeds may be 0), naming the flag when it is not one. */
function seedFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw usage(`--seed "${value}" is not a non-negative integer`);
  }
  return n;
}

/** Each option of a dataset kind with its default and description, from its schema. */
function optionDocs(name: string): Record<string, { default: unknown; description: string }> {
  const schema = z.toJSONSchema(datasetEntry(name).options, {
    io: "input",
    unrepresentable: "any",
  }) as {
    properties?: Record<string, { default?: unknown; description?: string }>;
    required?: string[];
  };
  return Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([k, v]) => [k, {
      default: schema.required?.includes(k) ? "(required)" : v.default ?? null,
      description: v.description ?? "",
    }]),
  );
}

function list(values: Values): number {
  const rows = DATASET_NAMES.map((name) => {
    const entry = datasetEntry(name);
    const options = optionDocs(name);
    return {
      name,
      summary: entry.summary,
      sizes: entry.sizes,
      licence: entry.licence,
      exportable: entry.folders !== undefined,
      options,
    };
  });
  if (values.json) {
    console.log(JSON.stringify({ datasets: rows }, null, 2));
    return 0;
  }
  for (const r of rows) {
    console.log(`${r.name}: ${r.summary}`);
    console.log(`  sizes:   ${r.sizes}`);
    console.log(`  licence: ${r.licence}`);
    console.log(
      `  options: ${
        Object.entries(r.options).map(([k, v]) => `${k}=${JSON.stringify(v.default)}`).join(" ")
      }`,
    );
  }
  return 0;
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return false;
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return true;
    if (e instanceof Deno.errors.NotADirectory) {
      throw usage(`--out "${dir}" is a file, not a folder`);
    }
    throw e;
  }
}

async function exportDataset(name: string | undefined, values: Values): Promise<number> {
  if (!name) throw usage(`export needs a dataset NAME; expected one of ${exportable().join(", ")}`);
  if (!isDatasetName(name)) {
    throw usage(`unknown dataset "${name}"; expected one of ${exportable().join(", ")}`);
  }
  const entry = datasetEntry(name);
  if (!entry.folders) {
    throw usage(
      `dataset "${name}" is already a folder and cannot be exported; expected one of ` +
        exportable().join(", "),
    );
  }
  if (!values.out) throw usage("export needs --out DIR (the folder to write)");
  const out = values.out.replace(/\/+$/, "") || "/";
  if (!values.force && !(await isEmptyOrMissing(out))) {
    throw usage(`--out "${out}" is not empty; choose a new folder or pass --force`);
  }
  const input: Record<string, number> = {};
  const has = new Set(Object.keys(optionDocs(name)));
  if (values.size !== undefined) input.size = intFlag("size", values.size, 0);
  if (values.count !== undefined) {
    const count = intFlag("count", values.count, 0);
    // Generated datasets take a count; packaged ones are capped.
    if (has.has("train_count")) {
      input.train_count = count;
      input.test_count = Math.ceil(count / 5);
    } else input.max_dataset_size = count;
  }
  if (values["test-count"] !== undefined) {
    if (!has.has("test_count")) {
      throw usage(
        `flag --test-count does not apply to dataset "${name}" (its test split is fixed)`,
      );
    }
    input.test_count = intFlag("test-count", values["test-count"], 0);
  }
  const seed = seedFlag(values.seed);
  if (seed !== undefined) input.seed = seed;
  let options;
  try {
    options = resolveDatasetOptions(name, input);
  } catch (e) {
    // Name the flag rather than the option where they differ.
    const flagOf: Record<string, string> = {
      train_count: "--count",
      max_dataset_size: "--count",
      test_count: "--test-count",
      size: "--size",
      seed: "--seed",
    };
    throw usage(
      (e as Error).message.replace(
        /\b(train_count|max_dataset_size|test_count|size|seed):/g,
        (_, k) => `${flagOf[k]}:`,
      ),
    );
  }
  const folders = await entry.folders(options);
  const t0 = performance.now();
  const counts: Record<string, number> = {};
  for (const [folder, raw] of Object.entries(folders)) {
    await Deno.mkdir(`${out}/${folder}`, { recursive: true });
    for (let i = 0; i < raw.names.length; i++) {
      await Deno.writeFile(`${out}/${folder}/${raw.names[i]}`, await encodePng(await raw.get(i)));
    }
    counts[folder] = raw.names.length;
  }
  // A picture of the data for READMEs: the first test pairs, domain A above domain B.
  if (folders.testA && folders.testB) {
    await Deno.writeFile(
      `${out}/examples.png`,
      await encodePng(await grid(folders.testA, folders.testB, 8)),
    );
  }
  const meta = {
    dataset: name,
    options,
    counts,
    classes: name === "scenes"
      ? SCENE_CLASSES.map((c, i) => ({ id: i, name: c, color: PALETTE[i] }))
      : undefined,
  };
  await writeAtomic(
    `${out}/dataset.json`,
    new TextEncoder().encode(JSON.stringify(meta, null, 2) + "\n"),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (values.json) {
    console.log(JSON.stringify({ out, ...meta, seconds: Number(seconds.toFixed(2)) }, null, 2));
  } else {
    console.log(
      `wrote ${name} to ${out}: ${
        Object.entries(counts).map(([f, n]) => `${f} ${n}`).join(", ")
      } (${seconds.toFixed(1)} s)`,
    );
  }
  return 0;
}

/** Up to `n` images of `a` in a row above the same images of `b` (all the same size). */
async function grid(a: RawFolder, b: RawFolder, n: number): Promise<Pixels> {
  const k = Math.min(n, a.names.length, b.names.length);
  const first = await a.get(0);
  const w = first.width, h = first.height, W = w * k;
  const data = new Uint8Array(W * 2 * h * 3);
  for (let i = 0; i < k; i++) {
    const pair = [toRgb(await a.get(i)), toRgb(await b.get(i))];
    for (const [row, img] of pair.entries()) {
      for (let y = 0; y < h; y++) {
        data.set(
          img.data.subarray(y * w * 3, (y + 1) * w * 3),
          ((row * h + y) * W + i * w) * 3,
        );
      }
    }
  }
  return { width: W, height: 2 * h, channels: 3, data };
}

function exportable(): string[] {
  return DATASET_NAMES.filter((n) => datasetEntry(n).folders !== undefined);
}

function printReport(r: FolderReport): void {
  console.log(
    `${r.root}: ${r.ok ? "ok" : "NOT usable"} (checked against preprocess ` +
      `${r.preprocess.preprocess}, load_size ${r.preprocess.load_size}, crop_size ` +
      `${r.preprocess.crop_size})`,
  );
  for (const [name, d] of Object.entries(r.folders)) {
    const sizes = Object.entries(d.sizes).sort((a, b) => b[1] - a[1]);
    const shown = sizes.slice(0, 3).map(([s, n]) => `${s} x${n}`).join(", ") +
      (sizes.length > 3 ? `, ... (${sizes.length} sizes)` : "");
    const kinds = Object.entries(d.kinds).map(([k, n]) => `${k} ${n}`).join(", ");
    console.log(
      `  ${name}/: ${d.images} images${d.bad.length ? `, ${d.bad.length} bad` : ""}` +
        `${sizes.length ? `; ${shown}` : ""}${kinds ? `; ${kinds}` : ""}`,
    );
    for (const b of d.bad.slice(0, SKIPPED_SHOWN)) console.log(`    bad: ${b.error}`);
    if (d.bad.length > SKIPPED_SHOWN) {
      console.log(`    and ${d.bad.length - SKIPPED_SHOWN} more bad image(s)`);
    }
  }
  for (const [ph, p] of Object.entries(r.pairing)) {
    console.log(`  ${ph}: ${p.paired ? "paired" : `${p.pairs} pairs by name`}`);
  }
  for (const p of r.problems) console.log(`  problem: ${p}`);
  for (const w of r.warnings) console.log(`  warning: ${w}`);
}

async function check(dir: string | undefined, values: Values): Promise<number> {
  if (!dir) throw usage("check needs a folder: deno task data check DIR");
  const preprocess: Record<string, unknown> = {};
  if (values.preprocess !== undefined) {
    if (!(PREPROCESS_MODES as readonly string[]).includes(values.preprocess)) {
      throw usage(
        `--preprocess "${values.preprocess}" is not a mode; expected one of ${
          PREPROCESS_MODES.join(", ")
        }`,
      );
    }
    preprocess.preprocess = values.preprocess as PreprocessMode;
  }
  if (values.load_size !== undefined) {
    preprocess.load_size = intFlag("load_size", values.load_size, 0);
  }
  if (values.crop_size !== undefined) {
    preprocess.crop_size = intFlag("crop_size", values.crop_size, 0);
  }
  let report: FolderReport;
  try {
    report = await checkFolder(dir, { preprocess, phase: values.phase });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw usage(`folder "${dir}" does not exist`);
    if (e instanceof Deno.errors.NotADirectory) throw usage(`"${dir}" is not a folder`);
    if (e instanceof Deno.errors.PermissionDenied) {
      throw usage(`cannot read "${dir}": ${e.message}`);
    }
    throw e;
  }
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else printReport(report);
  return report.ok ? 0 : 1;
}

async function main(): Promise<number> {
  const { values, positionals } = parse(Deno.args);
  const [command, arg] = positionals;
  if (values.help || command === "help") {
    console.log(helpText(CLI));
    return 0;
  }
  if (!command) throw usage("missing command: expected list, export or check (--help for usage)");
  if (!ALLOWED[command]) {
    throw usage(`unknown command "${command}"; expected list, export or check`);
  }
  for (const [flag, value] of Object.entries(values)) {
    const given = value !== undefined && value !== false;
    if (given && flag !== "help" && !ALLOWED[command].includes(flag)) {
      throw usage(
        `flag --${flag} does not apply to "${command}"; it takes ${
          ALLOWED[command].map((f) => `--${f}`).join(", ")
        }`,
      );
    }
  }
  const extras = positionals.slice(command === "list" ? 1 : 2);
  if (extras.length > 0) throw usage(`unexpected argument "${extras[0]}" after "${command}"`);
  switch (command) {
    case "list":
      return list(values);
    case "export":
      return await exportDataset(arg, values);
    default:
      return await check(arg, values);
  }
}

if (import.meta.main) await runMain(main);
