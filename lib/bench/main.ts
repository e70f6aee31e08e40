/**
 * `deno task bench [--backend wasm,cpu,...] [--ops] [--iterations] [--data] [--sizes 64,128]
 * [--configs N,N] [--repeats N] [--threads N] [--pytorch] [--python PATH] [--profile]
 * [--dispatches] [--out DIR]`
 * (`--threads 2`: the opt-in multi-threaded wasm build, or oneDNN's OpenMP threads on native;
 * `--profile`: where one iteration's time goes, kernel by kernel, convolutions vs the rest;
 * `--dispatches`: with `--backend webgpu --iterations`, GPU programs per steady-state iteration
 * of `DISPATCH_CONFIG`, 32px ngf 4, beside its time: issue 18's measure)
 *
 * Prints per-op GFLOP/s (forward conv, weight gradient, input gradient, transposed conv) for the
 * layer shapes a ResNet generator and a PatchGAN use, and full CycleGAN training iterations;
 * whenever PyTorch is importable (`--pytorch`: required), each configuration's iterations
 * alternate with the official PyTorch code's in a child process and the row carries their
 * same-run ratio (same_run.ts). Without PyTorch it says that no ratio can be given: a stored
 * PyTorch time is history (anchor.ts), never divided by. Writes the same as JSON to
 * `results/bench/`. Benchmarks, never tests: timings depend on the load, which is recorded.
 * @module
 */
import { describeBackend, isBackendChoice, selectBackend } from "../backend/mod.ts";
import { runMain, UserError } from "../cli/_errors.ts";
import { HELP_FLAG, helpText, intFlag, parseCli } from "../cli/_flags.ts";
import { benchOps, type OpRow } from "./ops.ts";
import {
  benchIteration,
  DISPATCH_CONFIG,
  ITERATION_CONFIGS,
  type IterationRow,
  profileIteration,
  type PytorchTimer,
} from "./iteration.ts";
import { loadAverage, machineInfo } from "./machine.ts";
import { pytorchAnchor } from "./anchor.ts";
import { noRatioMessage, ratioLine, spread } from "./same_run.ts";
import {
  DEFAULT_PYTHONS,
  findTorch,
  openPytorch,
  type PytorchChild,
  type PytorchIteration,
  type TorchPython,
} from "./pytorch_child.ts";
import { openDataset } from "../data/mod.ts";
import { benchLoading } from "../data/bench.ts";

function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return "";
  const cols = Object.keys(rows[0]);
  const cell = (v: string | number) =>
    typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v;
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ");
  return [
    line(cols),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ]
    .join("\n");
}

const CLI = {
  usage: "usage: deno task bench [--backend wasm,cpu,...] [--ops] [--iterations] [--data] " +
    "[--sizes 64,128] [--configs N,N] [--repeats N] [--threads N] [--pytorch] [--python PATH] " +
    "[--profile] [--dispatches] [--out DIR]",
  flags: {
    backend: {
      type: "string",
      default: "wasm",
      arg: "NAMES",
      doc: "comma-separated backends to time, one after another (default wasm)",
    },
    ops: { type: "boolean", default: false, doc: "time single ops (GFLOP/s per layer shape)" },
    iterations: {
      type: "boolean",
      default: false,
      doc: "time full training iterations, alternating with PyTorch's when it is importable",
    },
    pytorch: {
      type: "boolean",
      default: false,
      doc: "require PyTorch for the iterations' same-run ratio (an error when not importable)",
    },
    python: {
      type: "string",
      arg: "PATH",
      doc: `the Python that runs the PyTorch anchor (default ${DEFAULT_PYTHONS.join(", then ")})`,
    },
    data: { type: "boolean", default: false, doc: "time data loading" },
    sizes: {
      type: "string",
      default: "64,128",
      arg: "N,N",
      expects: "comma-separated positive integers",
      doc: "image sizes (default 64,128)",
    },
    configs: {
      type: "string",
      arg: "I,I",
      expects: `config indexes 0..${ITERATION_CONFIGS.length - 1}`,
      doc: `iteration configs by index: ${
        ITERATION_CONFIGS.map((c, j) => `${j}=${c.name}`).join(", ")
      }`,
    },
    repeats: {
      type: "string",
      arg: "N",
      expects: "a positive integer",
      doc: "timings per measurement, per side for iterations; the median is reported (default 5)",
    },
    out: {
      type: "string",
      default: "results/bench",
      arg: "DIR",
      doc: "where the JSON results go (default results/bench)",
    },
    threads: {
      type: "string",
      arg: "N",
      expects: "a positive integer",
      doc: "wasm: the multi-threaded build with N threads; native: oneDNN threads (default 1)",
    },
    profile: {
      type: "boolean",
      default: false,
      doc: "where one iteration's time goes, kernel by kernel",
    },
    dispatches: {
      type: "boolean",
      default: false,
      doc: `webgpu --iterations: GPU programs per iteration of ${DISPATCH_CONFIG.name} ` +
        "(the other configs only when --configs names them)",
    },
    help: HELP_FLAG,
  },
  epilog: "(with none of --ops, --iterations, --data: ops and iterations)",
} as const;

/**
 * Wait between a PyTorch iteration and ours (and back): OpenBLAS's and OpenMP's worker threads
 * spin for up to about 0.1 s after their work before they sleep, and would otherwise run into
 * the other side's first milliseconds.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 250));
}

/** Runs `f` with a PyTorch child for one configuration, closing it (or killing it) after. */
async function withPytorch(
  python: string,
  config: string,
  threads: number,
  f: (pytorch: PytorchTimer) => Promise<IterationRow>,
): Promise<IterationRow> {
  // PyTorch's names are the model's; ours add how it runs ("(recompute)").
  let child: PytorchChild | undefined;
  try {
    child = await openPytorch(python, { config: config.replace(/\s*\(.*\)$/, ""), threads });
    const its: PytorchIteration[] = [];
    const c = child;
    const row = await f({
      step: async () => {
        const it = await c.step();
        its.push(it);
        return it.s;
      },
      describe: () => ({
        torch: `torch ${c.ready.torch_version}, ${
          c.ready.openblas?.config ?? c.ready.blas.join(" ")
        }`,
        threads: c.ready.torch_threads,
      }),
    });
    const peak = await child.close();
    child = undefined;
    if (row.sameRun) {
      // The last `repeats` iterations are the timed ones (the warm-ups come first).
      const timed = its.slice(-row.sameRun.pytorch.n).map((it) => it.foreign_cores);
      row.sameRun.anchor.peakRssMB = peak;
      row.sameRun.anchor.foreignCoresMedian = spread(timed).median;
    }
    return row;
  } finally {
    child?.kill();
  }
}

/** Prints one iteration row: time, GFLOP/s, memory, the ratio or history, GPU programs. */
function printIteration(
  row: IterationRow,
  stored: { seconds: number; threads: number } | undefined,
  historyDate: string,
): void {
  console.log(
    `${row.config.padEnd(34)} ${row.ms.toFixed(0).padStart(7)} ms/it  ${
      row.gflops.toFixed(1).padStart(6)
    } GFLOP/s  peak tensors ${row.peakTensorMB.toFixed(0)} MB` +
      (row.wasmHeapMB ? `  wasm heap ${row.wasmHeapMB.toFixed(0)} MB` : "") +
      (row.sameRun
        ? `\n${"".padEnd(36)}${ratioLine(row.sameRun, row.load)}` +
          (row.sameRun.anchor.peakRssMB !== undefined
            ? `; peak RSS PyTorch ${row.sameRun.anchor.peakRssMB.toFixed(0)} MB, ours ${
              row.rssMB.toFixed(0)
            } MB`
            : "")
        : `  no same-run ratio` +
          (stored
            ? ` (history, not comparable: PyTorch ${stored.seconds.toFixed(3)} s at ` +
              `${stored.threads}t, ${historyDate})`
            : "")),
  );
  if (row.programs) {
    const top = row.programs.byProgram.slice(0, 8)
      .map((p) => `${p.program} ${p.perIteration}`).join(", ");
    console.log(
      `${"".padEnd(36)}GPU programs per iteration: ${row.programs.programs_per_iteration} ` +
        `(timed iterations: ${row.programs.each.join(", ")}); most: ${top}`,
    );
  }
}

async function main(): Promise<number> {
  const { values } = parseCli(Deno.args, CLI);
  if (values.help) {
    console.log(helpText(CLI));
    return 0;
  }
  const both = !values.ops && !values.iterations && !values.data;
  const backends = values.backend.split(",");
  for (const b of backends) {
    if (!isBackendChoice(b)) {
      throw new UserError(
        `--backend "${b}" is not a backend; expected auto, tensorflow, webgpu, native, wasm or cpu`,
        2,
      );
    }
  }
  const sizes = values.sizes.split(",").map((s) => intFlag("sizes", s, 64));
  const repeats = intFlag("repeats", values.repeats, 5);
  const configIdx = values.configs === undefined
    ? (values.dispatches ? [] : [0, 1, 2, 3])
    : values.configs.split(",").map((s) => {
      const i = Number(s);
      if (!Number.isInteger(i) || i < 0 || i >= ITERATION_CONFIGS.length) {
        throw new UserError(
          `--configs "${s}" is not a config index; expected 0..${ITERATION_CONFIGS.length - 1}: ` +
            ITERATION_CONFIGS.map((c, j) => `${j}=${c.name}`).join(", "),
          2,
        );
      }
      return i;
    });

  const timeIterations = values.iterations || both;
  if (values.pytorch && !timeIterations) {
    throw new UserError(
      "--pytorch times PyTorch beside full training iterations; add --iterations " +
        "(or leave out --ops and --data)",
      2,
    );
  }
  if (values.dispatches && (!values.iterations || backends.some((b) => b !== "webgpu"))) {
    throw new UserError(
      "--dispatches counts the GPU programs of training iterations; it needs " +
        `--backend webgpu --iterations (got --backend ${values.backend}` +
        `${values.iterations ? "" : " and no --iterations"})`,
      2,
    );
  }
  if (values.python !== undefined && !timeIterations) {
    throw new UserError(`--python "${values.python}" runs PyTorch for --iterations; add it`, 2);
  }

  const machine = machineInfo();
  console.log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, load ${machine.load1}`,
  );
  const history = pytorchAnchor();
  let torch: TorchPython = { missing: "iterations not timed" };
  if (timeIterations) {
    torch = await findTorch(values.python === undefined ? DEFAULT_PYTHONS : [values.python]);
    if (torch.python) {
      console.log(
        `PyTorch ${torch.version} (${torch.python}): timed in this run, alternating with ours`,
      );
    } else if (values.pytorch) {
      throw new UserError(
        `--pytorch: PyTorch is not importable (${torch.missing}); apt-get install ` +
          "python3-torch libopenblas0-pthread, or name a Python that has it with --python PATH",
      );
    } else {
      console.log(noRatioMessage(torch.missing!, history.label));
    }
  }
  const results = [];
  for (const name of backends) {
    const active = await selectBackend(name as "wasm", {
      threads: intFlag("threads", values.threads, 1),
    });
    console.log(`backend: ${describeBackend(active)}`);
    let ops: OpRow[] = [];
    const iterations: IterationRow[] = [];
    if (values.ops || both) {
      ops = await benchOps({ backend: active.name, sizes, repeats });
      console.log(`\nper-op (median of ${repeats}; GFLOP/s = 2 x MACs / time):`);
      console.log(table(ops.map((r) => ({ ...r }))));
    }
    if (timeIterations) {
      console.log(
        `\nfull iterations (batch 1, lsgan, identity 0.5, pool 50; median of ${repeats}${
          torch.python ? ` each, alternating PyTorch (${active.threads}t) and ours` : ""
        }):`,
      );
      for (const i of configIdx) {
        const c = ITERATION_CONFIGS[i];
        const row = torch.python
          ? await withPytorch(
            torch.python,
            c.name,
            active.threads,
            (pytorch) => benchIteration(c, repeats, { pytorch, settle }),
          )
          : await benchIteration(c, repeats, { noRatio: torch.missing });
        iterations.push(row);
        printIteration(row, history.seconds(c.name, active.threads), history.date);
      }
      if (values.dispatches) {
        // PyTorch's anchor has no ngf 4 configuration: this row is ours alone.
        const row = await benchIteration(DISPATCH_CONFIG, repeats, {
          noRatio: "PyTorch's anchor has no ngf 4 configuration",
          countPrograms: true,
        });
        iterations.push(row);
        printIteration(row, undefined, history.date);
      }
    }
    const profiles = [];
    if (values.profile) {
      for (const i of configIdx) {
        const p = await profileIteration(ITERATION_CONFIGS[i]);
        const conv = p.kernels.filter((k) => k.name.startsWith("Conv2D"))
          .reduce((s, k) => s + k.ms, 0);
        // customGrad scopes time their inner kernels again: leave them out of the sum.
        const all = p.kernels.filter((k) => k.name !== "unnamed scope")
          .reduce((s, k) => s + k.ms, 0);
        profiles.push({ config: ITERATION_CONFIGS[i].name, convMs: conv, ...p, kernelMs: all });
        console.log(
          `\nwhere the time goes: ${ITERATION_CONFIGS[i].name} (one profiled iteration, ` +
            `${p.totalMs.toFixed(0)} ms; convolutions ${conv.toFixed(0)} ms = ` +
            `${(100 * conv / all).toFixed(0)} % of kernel time)`,
        );
        console.log(table(
          p.kernels.filter((k) => k.name !== "unnamed scope").slice(0, 12).map((k) => ({
            kernel: k.name,
            ms: k.ms,
            calls: k.calls,
            "%": 100 * k.ms / all,
          })),
        ));
      }
    }
    const loading = [];
    if (values.data || both) {
      // Data loading against the 64 px iteration: the issue's goal is < 5 % of it.
      const it64 = iterations.find((r) => r.config === "resnet_6blocks 64px");
      const ref = it64 ? { ms: it64.ms, what: "this run's 64px iteration" } : {
        ms: ITERATION_CONFIGS[1].pytorchSeconds * 1000,
        what: "PyTorch's 64px iteration in perf-anchor.md (2026-11-26, another machine)",
      };
      const ds = await openDataset("scenes", { size: 64, train_count: 64, test_count: 8 });
      const ms = benchLoading(ds.train, { pairs: 64 });
      loading.push({
        dataset: "scenes 64px",
        msPerPair: ms,
        percentOfIteration: 100 * ms / ref.ms,
        of: ref.what,
      });
      console.log(
        `\ndata loading: scenes 64px ${ms.toFixed(2)} ms per (A, B) pair = ` +
          `${(100 * ms / ref.ms).toFixed(2)} % of ${ref.what}`,
      );
    }
    results.push({ backend: active, ops, iterations, loading, profiles });
  }
  const report = {
    date: new Date().toISOString(),
    machine,
    loadAtEnd: loadAverage(),
    // Ratios are only the rows' `sameRun` (measured in this run); stored PyTorch times are
    // named here as history, never divided by.
    pytorch: torch.python
      ? { sameRun: true, python: torch.python, version: torch.version }
      : { sameRun: false, why: torch.missing },
    pytorchHistory: history.label,
    results,
  };
  await Deno.mkdir(values.out, { recursive: true });
  const file = `${values.out}/bench-${report.date.replace(/[:.]/g, "-")}-${
    backends.join("+")
  }.json`;
  const tmp = `${file}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(report, null, 2) + "\n");
  await Deno.rename(tmp, file);
  console.log(`\nwrote ${file}`);
  return 0;
}

if (import.meta.main) await runMain(main);
