/**
 * The grids of a run's checkpoint: {@link runVisuals} loads the run's newest checkpoint and test
 * split and translates the fixed grid images with lib/viz/grids.ts, the same drawing code the
 * run uses for its periodic grids while it trains.
 *
 * ```ts
 * import { runVisuals } from "./grids.ts";
 * import { runGrid } from "../viz/grids.ts";
 * const v = await runVisuals(run);          // undefined: no checkpoint or no test split
 * if (v) await Deno.writeFile("grid.png", await runGrid(v));
 * ```
 * @module
 */
import { openRunDataset } from "../sweep/plan.ts";
import type { ExperimentConfig } from "../sweep/schema.ts";
import { runPaths } from "../sweep/run_dir.ts";
import { latestCheckpoint } from "../train/checkpoint.ts";
import { loadGenerator } from "../cli/translate.ts";
import { type RunVisuals, visualsOf } from "../viz/grids.ts";
import type { RunRecord } from "./runs.ts";

/**
 * Translates the run's fixed test images with its newest complete checkpoint. Undefined when
 * the run has no checkpoint or its data has no test split. Leaves no tensors behind.
 */
export async function runVisuals(run: RunRecord): Promise<RunVisuals | undefined> {
  const ckpt = await latestCheckpoint(runPaths(run.dir).checkpoints, { onWarning: () => {} });
  if (!ckpt) return undefined;
  const ds = await openRunDataset(run.config as unknown as ExperimentConfig, true);
  if (!ds.hasTest) return undefined;
  const test = await ds.test();
  const c = run.config as { model?: string; direction?: "AtoB" | "BtoA" };
  if (c.model === "pix2pix") {
    // One generator, its training direction only (pix2pix's visuals: real_A, fake_B, real_B).
    const direction = c.direction ?? "AtoB";
    const g = await loadGenerator(ckpt, direction);
    try {
      return await visualsOf(direction === "AtoB" ? { G_A: g.net } : { G_B: g.net }, test, {
        identity: false,
      });
    } finally {
      g.net.dispose();
    }
  }
  const gA = await loadGenerator(ckpt, "AtoB");
  const gB = await loadGenerator(ckpt, "BtoA").catch((e) => {
    gA.net.dispose();
    throw e;
  });
  try {
    return await visualsOf({ G_A: gA.net, G_B: gB.net }, test, { identity: run.identity });
  } finally {
    gA.net.dispose();
    gB.net.dispose();
  }
}
