/**
 * Shared by the dataset tests: two training steps of a tiny CycleGAN on a dataset.
 * @module
 */
import { train } from "../lib/train/loop.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import type { Dataset } from "../lib/data/mod.ts";

/** Trains 2 steps of a tiny CycleGAN on `ds` and returns the final status. */
export async function trainTwoSteps(ds: Dataset): Promise<string> {
  await selectBackend("wasm");
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_train_" });
  try {
    const r = await train({
      netG: "resnet_6blocks",
      ngf: 4,
      ndf: 4,
      pool_size: 2,
      max_steps: 2,
      print_freq: 1,
      save_latest_freq: 0,
    }, { source: ds.train, dir, log: () => {} });
    return `${r.status} at ${r.step}`;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
