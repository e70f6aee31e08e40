/**
 * Divergence, signals and locks (reliability.md tests 6, 8, 14):
 *
 * - NaN at step 2 of run 1: the run ends `diverged` at step 2 with its step-1 checkpoint kept,
 *   the next run still completes, the exit code counts it, and a rerun leaves it alone;
 * - SIGINT during a run (sent after a step was seen, to a worker held still meanwhile, so that
 *   the run cannot end first): the step finishes, a checkpoint is written, the run is
 *   `interrupted`, the lock is released and the sweep exits 130; a second sweep on the directory
 *   meanwhile exits at once naming the holder; the rerun resumes and ends where an
 *   uninterrupted run does;
 * - a live holder's lock stops a sweep without changing a file; a dead holder's is reclaimed
 *   with a warning.
 */
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { verifyCheckpoint } from "../lib/train/checkpoint.ts";
import {
  ablate,
  ablateCommand,
  tinyExperiment,
  treeSnapshot,
  writeFiles,
} from "../lib/sweep/_fixtures.ts";
import { hostName } from "../lib/sweep/lock.ts";

async function status(out: string, prefix: string): Promise<Record<string, unknown>> {
  const id =
    (await Array.fromAsync(Deno.readDir(`${out}/runs`))).find((e) => e.name.startsWith(prefix))!
      .name;
  return JSON.parse(await Deno.readTextFile(`${out}/runs/${id}/status.json`));
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

Deno.test("sweep: a run that diverges is recorded and the sweep goes on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep_nan_" });
  await writeFiles(dir, {
    "exp.yaml": tinyExperiment(),
    "abl.yaml": "name: nan\nexperiment: exp.yaml\ngrid:\n  gan_mode: [lsgan, hinge]\n",
  });
  const out = `${dir}/out`;
  const r = await ablate([`${dir}/abl.yaml`, "--out", out, "--jobs", "1"], {
    env: { CYCLEBENCH_FAULT: "nan-at-step=2", CYCLEBENCH_FAULT_RUN: "1" },
  });
  assertEquals(r.code, 11, r.stdout + r.stderr);
  const bad = await status(out, "gan_mode=lsgan");
  assertEquals([bad.status, bad.step], ["diverged", 2]);
  assertMatch(String(bad.error), /diverged at step 2: non-finite G_A/);
  assertEquals(bad.eval, undefined);
  const ckpts = `${out}/runs/${bad.id}/checkpoints`;
  assertEquals((await Array.fromAsync(Deno.readDir(ckpts))).map((e) => e.name), ["step_00000001"]);
  assertEquals((await verifyCheckpoint(`${ckpts}/step_00000001`)).step, 1);
  const good = await status(out, "gan_mode=hinge");
  assertEquals([good.status, good.step], ["completed", 3]);

  const before = await treeSnapshot(out);
  const again = await ablate([`${dir}/abl.yaml`, "--out", out]);
  assertEquals(again.code, 11);
  assertMatch(again.stdout, /2 run\(s\), 0 to run, 2 skipped/);
  const after = await treeSnapshot(out);
  delete before["sweep.json"];
  delete after["sweep.json"];
  assertEquals(after, before);
  await Deno.remove(dir, { recursive: true });
});

/** Text of `stream`, growing as it is read (`text()`), and a promise of its end. */
function collect(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const dec = new TextDecoder();
  const done = (async () => {
    for await (const chunk of stream) text += dec.decode(chunk, { stream: true });
  })();
  return { text: () => text, done };
}

/** Polls `probe` every 20 ms until it returns a value (a throw counts as not yet). */
async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await Promise.resolve().then(probe).catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test("sweep: SIGINT interrupts cleanly, a second sweep is refused, the rerun resumes", async () => {
  // The signal must reach a run that has trained a step and is not done yet, whatever the
  // machine's speed: once step 1 is on disk the worker is frozen (SIGSTOP) until the sweep has
  // been signalled, so neither the second sweep's start-up nor a fast machine can let the run
  // finish first. 8 steps leave 7 to go between seeing step 1 and freezing.
  const steps = 8;
  const dir = await Deno.makeTempDir({ prefix: "sweep_sigint_" });
  await writeFiles(dir, { "exp.yaml": tinyExperiment({ steps }) });
  const exp = `${dir}/exp.yaml`;
  const out = `${dir}/out`;
  const child = ablateCommand([exp, "--out", out]).spawn();
  const stdout = collect(child.stdout), stderr = collect(child.stderr);
  let frozen: number | undefined, exited = false;
  child.status.then(() => (exited = true));
  try {
    // The worker's pid (status.json, written when the run starts) and a losses line of step >= 1.
    const worker = await waitFor("the run to train a step", async () => {
      const [run] = await Array.fromAsync(Deno.readDir(`${out}/runs`));
      const st = JSON.parse(await Deno.readTextFile(`${out}/runs/${run.name}/status.json`));
      const metrics = await Deno.readTextFile(`${out}/runs/${run.name}/metrics.jsonl`);
      const trained = metrics.split("\n").some((l) => l && JSON.parse(l).step >= 1);
      return st.status === "running" && typeof st.pid === "number" && trained
        ? st.pid as number
        : undefined;
    });
    // It is the sweep's own worker (its parent is the sweep we started), not a stale pid.
    const ppid = /^PPid:\s*(\d+)$/m.exec(await Deno.readTextFile(`/proc/${worker}/status`));
    assertEquals(Number(ppid?.[1]), child.pid, "status.json's pid is the sweep's worker");
    Deno.kill(worker, "SIGSTOP");
    frozen = worker;

    // A second sweep on the same directory exits at once, naming the holder.
    const lock = JSON.parse(await Deno.readTextFile(`${out}/.lock`));
    const t0 = performance.now();
    const second = await ablate([exp, "--out", out]);
    assertEquals(second.code, 3, second.stderr);
    assertMatch(second.stderr, new RegExp(`pid ${lock.pid} on .*started ${lock.started}`));
    assert(performance.now() - t0 < 15_000);

    // SIGINT to the sweep, which forwards it to the (frozen) worker; then let the worker go on.
    child.kill("SIGINT");
    await waitFor(
      "the sweep to forward SIGINT",
      () => /SIGINT: stopping/.test(stdout.text()) ? true : undefined,
    );
    Deno.kill(worker, "SIGCONT");
    frozen = undefined;
    const res = await child.status;
    await Promise.all([stdout.done, stderr.done]);
    assertEquals(res.code, 130, stdout.text() + stderr.text());
  } finally {
    // A failed assertion must not leave a stopped worker, or a sweep waiting on it, behind.
    if (frozen !== undefined) {
      for (const sig of ["SIGKILL", "SIGCONT"] as const) {
        try {
          Deno.kill(frozen, sig);
        } catch { /* gone */ }
      }
    }
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
    }
  }
  const s = await status(out, "base");
  assertEquals(s.status, "interrupted");
  const step = s.step as number;
  assert(step >= 1 && step < steps, `interrupted at step ${step}`);
  assertEquals(
    (await verifyCheckpoint(
      `${out}/runs/${s.id}/checkpoints/step_${String(step).padStart(8, "0")}`,
    ))
      .step,
    step,
  );
  assert(!(await exists(`${out}/.lock`)), "the sweep lock is released");
  assert(!(await exists(`${out}/runs/${s.id}/.lock`)), "the run lock is released");

  // The rerun resumes and ends where an uninterrupted run does (the two sweeps side by side).
  const [again, fresh] = await Promise.all([
    ablate([exp, "--out", out]),
    ablate([exp, "--out", `${dir}/fresh`]),
  ]);
  assertEquals(again.code, 0, again.stdout + again.stderr);
  assertMatch(again.stdout, new RegExp(`resumed at step ${step}`));
  const done = await status(out, "base");
  assertEquals([done.status, done.step], ["completed", steps]);
  assertEquals(fresh.code, 0, fresh.stdout + fresh.stderr);
  const ref = await status(`${dir}/fresh`, "base");
  assertEquals(done.weights_sha256, ref.weights_sha256);
  assertEquals(
    await Deno.readTextFile(`${out}/runs/${done.id}/metrics.jsonl`),
    await Deno.readTextFile(`${dir}/fresh/runs/${ref.id}/metrics.jsonl`),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sweep: a live holder's lock refuses a sweep untouched; a dead one's is reclaimed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep_lock_" });
  await writeFiles(dir, { "exp.yaml": tinyExperiment({ steps: 1 }) });
  const out = `${dir}/out`;
  await Deno.mkdir(out);
  const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
  const started = new Date().toISOString();
  const write = (pid: number) =>
    Deno.writeTextFile(
      `${out}/.lock`,
      JSON.stringify({ pid, host: hostName(), started, what: "sweep" }),
    );
  await write(sleeper.pid);
  const before = await treeSnapshot(dir);
  const r = await ablate([`${dir}/exp.yaml`, "--out", out]);
  assertEquals(r.code, 3);
  assertMatch(r.stderr, new RegExp(`held by sweep pid ${sleeper.pid} on .*started ${started}`));
  assertEquals(await treeSnapshot(dir), before);
  sleeper.kill("SIGKILL");
  await sleeper.status;

  // The holder is gone now: its lock is reclaimed with a warning.
  const ok = await ablate([`${dir}/exp.yaml`, "--out", out]);
  assertEquals(ok.code, 0, ok.stdout + ok.stderr);
  assertMatch(ok.stdout, new RegExp(`warning: Reclaiming the lock .* pid ${sleeper.pid}`));
  assert(!(await exists(`${out}/.lock`)));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sweep: SIGTERM stops a run within a step, long before its next print_freq step", async () => {
  // A slow tiny run (64 px, ngf 8: about 0.3 s a step on a busy 2-core machine) whose
  // print_freq and checkpoint period lie past its end. A signal used to act only at the next
  // print_freq step (the step awaited no event-loop turn until the loss-log write), so this run
  // would have trained all its steps; now it stops at the step under way, with a checkpoint.
  const steps = 100;
  const dir = await Deno.makeTempDir({ prefix: "sweep_sigterm_" });
  await writeFiles(dir, {
    "exp.yaml": tinyExperiment({ steps }).replace("ngf: 4", "ngf: 8")
      .replace("print_freq: 1", "print_freq: 1000").replace(
        "save_latest_freq: 1",
        "save_latest_freq: 0",
      )
      .replace("size: 32", "size: 64"),
  });
  const out = `${dir}/out`;
  const child = ablateCommand([`${dir}/exp.yaml`, "--out", out]).spawn();
  const stdout = collect(child.stdout), stderr = collect(child.stderr);
  let exited = false;
  child.status.then(() => (exited = true));
  let latency: number;
  try {
    // status.json records the attempt's first step: training is under way.
    await waitFor("the run to train a step", async () => {
      const [run] = await Array.fromAsync(Deno.readDir(`${out}/runs`));
      const st = JSON.parse(await Deno.readTextFile(`${out}/runs/${run.name}/status.json`));
      return st.status === "running" && st.step >= 1 ? true : undefined;
    });
    const t0 = performance.now();
    child.kill("SIGTERM");
    const res = await child.status;
    latency = (performance.now() - t0) / 1000;
    await Promise.all([stdout.done, stderr.done]);
    assertEquals(res.code, 143, stdout.text() + stderr.text());
  } finally {
    if (!exited) {
      child.kill("SIGKILL");
      await child.status;
    }
  }
  const s = await status(out, "base");
  assertEquals(s.status, "interrupted", JSON.stringify(s));
  const step = s.step as number;
  const stepSeconds = 1 / (s.steps_per_s as number);
  assert(step >= 1 && step < steps, `interrupted at step ${step} of ${steps}`);
  assertEquals(
    (await verifyCheckpoint(
      `${out}/runs/${s.id}/checkpoints/step_${String(step).padStart(8, "0")}`,
    )).step,
    step,
  );
  // The step under way, a checkpoint and the processes' exit: a few seconds, not the
  // hundreds of steps to the next print_freq step.
  console.log(
    `SIGTERM acted in ${latency.toFixed(2)} s (${
      stepSeconds.toFixed(2)
    } s a step), at step ${step}`,
  );
  assert(latency < 10 + 3 * stepSeconds, `SIGTERM took ${latency.toFixed(1)} s to act`);
  await Deno.remove(dir, { recursive: true });
});
