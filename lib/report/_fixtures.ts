/**
 * Test fixtures: sweep directories written by the test itself (no training), with the files the
 * report reads: `config.resolved.json`, `status.json`, `metrics.jsonl`.
 * @module
 */
import { ensureDir, joinPath } from "../io/atomic.ts";

/** One fixture run. */
export interface FixtureRun {
  /** Variant axis value. */
  variant: string;
  /** Seed axis value. */
  seed: number;
  /** Final state. */
  status: "completed" | "diverged" | "failed" | "interrupted";
  /** The final evaluation (completed runs). */
  eval?: Record<string, unknown>;
  /** Error text of runs that did not complete. */
  error?: string;
  /** The backend description of `status.json` (default `cpu (fixture)`). */
  backend?: string;
}

/** Writes a sweep directory with the given runs under `out`; returns the run ids (sorted). */
export async function writeFixtureSweep(out: string, runs: FixtureRun[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, r] of runs.entries()) {
    const name = `${r.variant},seed=${r.seed}`;
    const hash = (i + 1).toString(16).padStart(10, "0");
    const id = `${name}-${hash}`;
    ids.push(id);
    const dir = joinPath(out, "runs", id);
    await ensureDir(joinPath(dir, "images"));
    await ensureDir(joinPath(dir, "checkpoints"));
    const totalSteps = 4;
    const step = r.status === "completed" ? totalSteps : 2;
    await Deno.writeTextFile(
      joinPath(dir, "config.resolved.json"),
      JSON.stringify({
        id,
        name,
        hash,
        axes: { variant: r.variant, seed: r.seed },
        train_seed: 1,
        total_steps: totalSteps,
        data: {},
        config: { seed: r.seed, lambda_identity: 0.5, dataset: { name: "scenes" } },
        train: {},
      }),
    );
    const lines: string[] = [];
    for (let s = 1; s <= step; s++) {
      const v = (k: number) => (r.status === "diverged" && s === step ? null : k / s + r.seed);
      lines.push(JSON.stringify({
        type: "losses",
        step: s,
        lr: 0.0002,
        losses: {
          D_A: v(1),
          G_A: v(2),
          cycle_A: v(3),
          idt_A: v(4),
          D_B: v(5),
          G_B: v(6),
          cycle_B: v(7),
          idt_B: v(8),
        },
      }));
    }
    if (r.status === "completed" && r.eval) {
      lines.push(JSON.stringify({ type: "eval", step, ...r.eval }));
    }
    await Deno.writeTextFile(joinPath(dir, "metrics.jsonl"), lines.map((l) => l + "\n").join(""));
    await Deno.writeTextFile(
      joinPath(dir, "status.json"),
      JSON.stringify({
        id,
        name,
        hash,
        status: r.status,
        step,
        total_steps: totalSteps,
        attempts: 1,
        first_started_at: "2026-01-01T00:00:00.000Z",
        started_at: "2026-01-01T00:00:00.000Z",
        finished_at: "2026-01-01T00:00:10.000Z",
        updated_at: "2026-01-01T00:00:10.000Z",
        elapsed_s: 10,
        total_elapsed_s: 10 + i,
        steps_per_s: 1,
        resumed_from: null,
        backend: r.backend ?? "cpu (fixture)",
        pid: 1,
        host: "h",
        error: r.error ?? null,
        ...(r.status === "completed" ? { eval: r.eval ?? null } : {}),
      }),
    );
  }
  return ids.sort();
}

/** An evaluation record as lib/sweep/evaluate.ts writes it, with values offset by `x`. */
export function fixtureEval(x: number): Record<string, unknown> {
  return {
    images: 2,
    extractor: "random-conv-s0",
    AtoB: { l1: 30 + x, psnr: 15 + x, ssim: 0.1 + x / 100, fid: 3 + x, kid: 0.01, kid_std: 0 },
    BtoA: {
      l1: 40 + x,
      psnr: 13,
      ssim: 0.06,
      fid: 20 + x,
      kid: 0.1,
      kid_std: 0,
      pixel_accuracy: 0.1 + x / 10,
      class_accuracy: 0.05,
      class_iou: 0.02 + x / 100,
    },
  };
}
