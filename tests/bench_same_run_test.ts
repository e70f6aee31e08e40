/**
 * The bench's same-run ratio to PyTorch (issue 16): the alternation order, the median and ratio
 * arithmetic with fake timers, the PyTorch child's environment, the bench without PyTorch (a
 * message and no ratio anywhere in its JSON), `--pytorch` when PyTorch is missing, and, where
 * PyTorch is installed, the child protocol itself. No assertion here depends on a timing.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "./_assert.ts";
import { runScript } from "./_cli.ts";
import { needs } from "./_deps.ts";
import {
  alternate,
  alternationOrder,
  MIN_QUOTABLE_ROUNDS,
  noRatioMessage,
  ratioLine,
  sameRunRatio,
  type Side,
  spread,
} from "../lib/bench/same_run.ts";
import { findTorch, openPytorch, pytorchEnv } from "../lib/bench/pytorch_child.ts";
import { benchIteration, type IterationConfig } from "../lib/bench/iteration.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { tf } from "../lib/tf.ts";

Deno.test("alternationOrder() puts PyTorch first in every round, then ours", () => {
  assertEquals(alternationOrder(3), ["pytorch", "ours", "pytorch", "ours", "pytorch", "ours"]);
  assertEquals(alternationOrder(0), []);
  assertEquals(alternationOrder(2, ["ours"]), ["ours", "ours"]);
  assertThrows(() => alternationOrder(-1), RangeError);
  assertThrows(() => alternationOrder(1.5), RangeError);
});

/** Fake timers that log each call and return the next of their scripted times. */
function fakes(script: Record<Side, number[]>) {
  const calls: string[] = [];
  const timer = (side: Side) => () => {
    calls.push(side);
    return Promise.resolve(script[side].shift()!);
  };
  return { calls, timers: { pytorch: timer("pytorch"), ours: timer("ours") } };
}

Deno.test("alternate() runs warm-ups then timed rounds, alternating, settling between sides", async () => {
  const { calls, timers } = fakes({
    pytorch: [9, 8, 1.0, 1.2, 0.9, 1.1, 1.0],
    ours: [7, 6, 0.8, 0.7, 0.9, 0.8, 5.0],
  });
  let settles = 0;
  const run = await alternate(5, timers, {
    warmup: 2,
    settle: () => {
      settles++;
      calls.push("settle");
      return Promise.resolve();
    },
  });
  const sides = calls.filter((c) => c !== "settle");
  assertEquals(sides, alternationOrder(7));
  // A settle between every two iterations of different sides, none before the first.
  assertEquals(settles, 13);
  assertEquals(calls.slice(0, 4), ["pytorch", "settle", "ours", "settle"]);
  assertEquals(run.warmup, { pytorch: [9, 8], ours: [7, 6] });
  assertEquals(run.times, { pytorch: [1.0, 1.2, 0.9, 1.1, 1.0], ours: [0.8, 0.7, 0.9, 0.8, 5.0] });
  assertEquals(run.order.filter((o) => o.warmup).length, 4);
  assertEquals(run.order.at(-1), { side: "ours", warmup: false });

  // The ratio of medians: ours 0.8 (the 5.0 outlier moves the max, not the median), PyTorch 1.0.
  const r = sameRunRatio(run.times);
  assertEquals(r.ratio, 0.8);
  assertEquals([r.ours.median, r.ours.min, r.ours.max], [0.8, 0.7, 5.0]);
  assertEquals([r.pytorch.median, r.pytorch.min, r.pytorch.max], [1.0, 0.9, 1.2]);
  assert(Math.abs(r.pytorch.relativeSpread - 0.3) < 1e-12);
  assert(r.quotable);
});

Deno.test("alternate() with our timer alone runs the same schedule without settling", async () => {
  const { calls, timers } = fakes({ pytorch: [], ours: [3, 2, 1] });
  let settles = 0;
  const run = await alternate(2, { ours: timers.ours }, {
    warmup: 1,
    settle: () => Promise.resolve(void settles++),
  });
  assertEquals(calls, ["ours", "ours", "ours"]);
  assertEquals(settles, 0);
  assertEquals(run.times, { ours: [2, 1] });
  assertThrows(() => sameRunRatio(run.times), RangeError);
  await assertRejects(() => alternate(1, {}), RangeError);
});

Deno.test("spread() takes the middle of an even count; sameRunRatio() marks short runs", () => {
  const s = spread([3, 1, 2, 10]);
  assertEquals([s.n, s.median, s.min, s.max], [4, 2.5, 1, 10]);
  assertEquals(s.relativeSpread, 9 / 2.5);
  assertEquals(s.times, [3, 1, 2, 10], "times stay in the order they ran");
  assertEquals(spread([2]).median, 2);
  assertThrows(() => spread([]), RangeError);
  assertThrows(() => spread([1, NaN]), RangeError);
  assertThrows(() => spread([-1]), RangeError);

  const short = sameRunRatio({ pytorch: [2, 4], ours: [1, 3] });
  assertEquals(short.ratio, 2 / 3);
  assertEquals(short.quotable, false);
  const n = MIN_QUOTABLE_ROUNDS;
  const ok = sameRunRatio({ pytorch: new Array(n).fill(2), ours: new Array(n).fill(3) });
  assertEquals([ok.ratio, ok.quotable], [1.5, true]);
  assertEquals(ok.ours.relativeSpread, 0);
});

Deno.test("ratioLine() gives the ratio with both medians, their ranges and the load", () => {
  const r = sameRunRatio({ pytorch: [1, 1.05, 0.98, 1, 1], ours: [0.8, 0.82, 0.79, 0.8, 0.8] });
  assertEquals(
    ratioLine(r, { before: 1.2, after: 1.4 }),
    "x0.80 PyTorch same-run (ours 0.800 s [0.790-0.820], PyTorch 1.000 s [0.980-1.050], " +
      "5 each, load 1.20 -> 1.40)",
  );
  const short = sameRunRatio({ pytorch: [1], ours: [2] });
  assertMatch(ratioLine(short, { before: 0, after: 0 }), /^x2\.00 .*a smoke test, not a ratio/);
});

Deno.test("noRatioMessage() says no ratio can be given and names stored times as history", () => {
  const m = noRatioMessage("/usr/bin/python3: No module named 'torch'", "ref.json, measured X");
  assertMatch(m, /^no ratio to PyTorch can be given: PyTorch is not importable here/);
  assertMatch(m, /No module named 'torch'/);
  assertMatch(m, /--pytorch makes this an error/);
  assertMatch(m, /history only: ref\.json, measured X$/);
});

Deno.test("pytorchEnv() drops OpenBLAS's overrides, puts the pthread build first, pins 1 thread", () => {
  const env = {
    PATH: "/bin",
    OPENBLAS_CORETYPE: "Haswell",
    OPENBLAS_L2_SIZE: "512",
    LD_LIBRARY_PATH: "/opt/lib",
  };
  assertEquals(pytorchEnv(env, 2, "/blas"), { PATH: "/bin", LD_LIBRARY_PATH: "/blas:/opt/lib" });
  assertEquals(pytorchEnv({ PATH: "/bin" }, 1), {
    PATH: "/bin",
    OPENBLAS_NUM_THREADS: "1",
    OMP_NUM_THREADS: "1",
  });
  assertEquals(env.OPENBLAS_CORETYPE, "Haswell", "the caller's environment is left alone");
});

/** A config smaller than any of the bench's, so that the test runs a few tiny steps. */
const TINY: IterationConfig = {
  name: "resnet_6blocks 32px ngf4",
  netG: "resnet_6blocks",
  size: 32,
  ngf: 4,
  ndf: 4,
  pytorchSeconds: 0,
};

Deno.test("benchIteration() alternates with a PyTorch timer and divides medians, leaking nothing", async () => {
  await selectBackend("cpu");
  const before = tf.memory().numTensors;
  const log: string[] = [];
  const row = await benchIteration(TINY, 3, {
    warmup: 1,
    pytorch: {
      step: () => {
        log.push("pytorch");
        return Promise.resolve(4);
      },
      describe: () => ({ torch: "fake", threads: 1 }),
    },
    settle: () => Promise.resolve(void log.push("settle")),
    load: () => 0.5,
  });
  assertEquals(tf.memory().numTensors, before, "benchIteration leaves tensors behind");
  // PyTorch, (ours), PyTorch, (ours) ... for 1 + 3 rounds, a settle at every change of side.
  assertEquals(
    log.join(" "),
    ["pytorch", ...new Array(3).fill("settle settle pytorch"), "settle"].join(" "),
  );
  assertEquals([row.iterations, row.warmup, row.timesMs.length], [3, 1, 3]);
  assert(row.sameRun);
  assertEquals(row.sameRun.pytorch.times, [4, 4, 4]);
  assertEquals(row.sameRun.ratio, row.ms / 1000 / 4);
  assertEquals(row.sameRun.ours.median * 1000, row.ms);
  assertEquals(row.sameRun.anchor, { torch: "fake", threads: 1 });
  assertMatch(row.sameRun.method, /alternating PyTorch, ours/);
  assertEquals(row.load, { before: 0.5, after: 0.5 });
  assertEquals(row.noRatio, undefined);

  const alone = await benchIteration(TINY, 1, { warmup: 1, noRatio: "no torch here" });
  assertEquals([alone.sameRun, alone.noRatio], [null, "no torch here"]);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("bench --pytorch without PyTorch is an error naming the flag; --pytorch needs iterations", async () => {
  const r = await runScript("lib/bench/main.ts", ...[
    "--iterations",
    "--pytorch",
    "--python",
    "/nonexistent/py3",
  ]);
  assertEquals(r.code, 1, r.stderr);
  assertMatch(
    r.stderr,
    /^error: --pytorch: PyTorch is not importable \(\/nonexistent\/py3: not found\)/m,
  );
  assertMatch(r.stderr, /apt-get install python3-torch libopenblas0-pthread/);
  const ops = await runScript("lib/bench/main.ts", ...["--ops", "--pytorch"]);
  assertEquals(ops.code, 2, ops.stderr);
  assertMatch(ops.stderr, /^error: --pytorch times PyTorch beside full training iterations/m);
  const py = await runScript("lib/bench/main.ts", ...["--data", "--python", "/usr/bin/python3"]);
  assertEquals(py.code, 2, py.stderr);
  assertMatch(py.stderr, /^error: --python "\/usr\/bin\/python3" runs PyTorch for --iterations/m);
});

Deno.test("bench without PyTorch says no ratio can be given, and its JSON holds no ratio", async () => {
  const out = await Deno.makeTempDir({ prefix: "cyclebench_bench_" });
  try {
    const r = await runScript("lib/bench/main.ts", ...[
      "--iterations",
      "--configs",
      "0",
      "--repeats",
      "1",
      "--python",
      "/nonexistent/py3",
      "--out",
      out,
    ]);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(
      r.stdout,
      /^no ratio to PyTorch can be given: PyTorch is not importable here \(\/nonexistent\/py3: not found\)/m,
    );
    assertMatch(r.stdout, /history only: .*measured \d{4}-\d\d-\d\d on /);
    assertMatch(r.stdout, /^resnet_6blocks 32px ngf32 .* no same-run ratio/m);
    assert(!/x\d+\.\d\d PyTorch/.test(r.stdout), r.stdout);
    const [file] = (await Array.fromAsync(Deno.readDir(out))).map((e) => e.name);
    const json = await Deno.readTextFile(`${out}/${file}`);
    const report = JSON.parse(json);
    assertEquals(report.pytorch, { sameRun: false, why: "/nonexistent/py3: not found" });
    const row = report.results[0].iterations[0];
    assertEquals([row.sameRun, row.iterations], [null, 1]);
    assertMatch(row.noRatio, /not found/);
    assert(!/ratio"\s*:\s*\d/i.test(json), "a ratio in the JSON of a run without PyTorch");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

const torch = await findTorch();
Deno.test(needs(torch.missing && `no python3 imports torch (${torch.missing})`, {
  name: "pytorch_anchor.py --serve times one iteration per request and reports its peak memory",
  fn: async () => {
    const child = await openPytorch(torch.python!, {
      config: "resnet_6blocks 32px ngf32",
      threads: 1,
    });
    try {
      assertEquals([child.ready.config, child.ready.threads], ["resnet_6blocks 32px ngf32", 1]);
      assert(child.ready.blas.some((p) => /openblas/.test(p)), child.ready.blas.join(" "));
      assertEquals(child.ready.openblas?.num_threads, 1, "1 thread pins OpenBLAS too");
      for (let i = 0; i < 2; i++) {
        const it = await child.step();
        assert(it.s > 0 && it.cpu_s > 0, JSON.stringify(it));
      }
      assert(await child.close() > 0);
    } finally {
      child.kill();
    }
    const err = await assertRejects(() =>
      openPytorch(torch.python!, { config: "resnet_99blocks", threads: 1 })
    );
    assertMatch((err as Error).message, /ended before its model was built \(exit 1\)/);
    assertMatch((err as Error).message, /--serve 'resnet_99blocks' is not a config/);
  },
}));
