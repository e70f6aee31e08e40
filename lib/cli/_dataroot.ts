/**
 * `deno task ablate --dataroot DIR`: the folder is checked as `deno task data check DIR` checks
 * it (lib/data/check.ts), with the preprocessing and phase the sweep's runs will use, before
 * anything is planned or written, so a bad folder stops the sweep with the check's own message.
 * @module
 */
import { UserError } from "./_errors.ts";
import { checkFolder } from "../data/check.ts";
import type { PreprocessOptions } from "../data/preprocess.ts";
import { expandAblation } from "../sweep/ablation.ts";

/** The preprocessing keys of a folder dataset's options (what checkFolder checks against). */
const PREPROCESS_KEYS = ["preprocess", "load_size", "crop_size", "no_flip"] as const;

/**
 * Checks `dataroot` for the sweep in `file` (see the module doc); returns the check's warnings
 * (no test split, unsupported files). Throws a {@link UserError} (exit 2) naming the folder and
 * every problem, or the sweep's ConfigError.
 *
 * ```ts
 * const warnings = await checkDataroot("ablations/default.yaml", "datasets/horse2zebra");
 * ```
 */
export async function checkDataroot(file: string, dataroot: string): Promise<string[]> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dataroot);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UserError(`--dataroot "${dataroot}" does not exist`, 2);
    }
    throw new UserError(`--dataroot "${dataroot}" cannot be read: ${(e as Error).message}`, 2);
  }
  if (!info.isDirectory) {
    throw new UserError(
      `--dataroot "${dataroot}" is a file; expected a folder holding trainA/, trainB/ ` +
        `(and testA/, testB/ to evaluate)`,
      2,
    );
  }
  const sweep = await expandAblation(file, { dataroot });
  const checked = new Set<string>();
  const warnings: string[] = [];
  for (const run of sweep.runs) {
    const ds = run.config.dataset;
    if (ds.name !== "folder" || ds.dataroot !== dataroot) continue;
    const preprocess: Partial<PreprocessOptions> = {};
    for (const k of PREPROCESS_KEYS) {
      if (ds[k] !== undefined) (preprocess as Record<string, unknown>)[k] = ds[k];
    }
    const phase = typeof ds.phase === "string" ? ds.phase : undefined;
    const key = JSON.stringify([preprocess, phase]);
    if (checked.has(key)) continue;
    checked.add(key);
    const report = await checkFolder(dataroot, { preprocess, phase });
    if (!report.ok) {
      throw new UserError(
        `--dataroot "${dataroot}" cannot be trained on (checked against preprocess ` +
          `${report.preprocess.preprocess}, load_size ${report.preprocess.load_size}, ` +
          `crop_size ${report.preprocess.crop_size}; deno task data check ${dataroot} ` +
          `lists every folder):\n${report.problems.map((p) => `  problem: ${p}`).join("\n")}`,
        2,
      );
    }
    for (const w of report.warnings) if (!warnings.includes(w)) warnings.push(w);
  }
  return warnings;
}
