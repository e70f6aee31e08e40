/**
 * The `deno task` commands' flags (lib/cli/_flags.ts), spawned as `deno run -A lib/cli/X.ts`:
 * `--help` with one line per flag, an unknown flag naming the closest one, a negative number
 * after a space saying what the flag expects, selections that select nothing, and the backend
 * that `ablate` and `backends` say they use and why. Only --help, --dry-run and error paths:
 * nothing trains.
 */
import { runScript, type ScriptOutput } from "./_cli.ts";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { closestFlag, HELP_FLAG, helpText } from "../lib/cli/_flags.ts";

/** The entry point of each `deno task` in deno.json (translate: tests/translate_test.ts). */
const TASKS: Record<string, string> = {
  ablate: "lib/cli/ablate.ts",
  report: "lib/cli/report.ts",
  bench: "lib/bench/main.ts",
  models: "lib/cli/models.ts",
  backends: "lib/cli/backends.ts",
  data: "lib/cli/data.ts",
  metrics: "lib/cli/metrics.ts",
  translate: "lib/cli/translate.ts",
  runs: "lib/cli/runs.ts",
  clean: "lib/cli/clean.ts",
};

function task(name: string, ...args: string[]): Promise<ScriptOutput> {
  return runScript(TASKS[name], ...args);
}

/** Runs the commands one after another (gentle on a loaded 2-core machine). */
async function each<T, R>(items: T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await f(item));
  return out;
}

/** A usage error: exit 2, nothing on stdout, `error: ...` first, no stack trace. */
function assertUsageError(r: { code: number; stdout: string; stderr: string }, re: RegExp) {
  assertEquals(r.code, 2, r.stderr);
  assertEquals(r.stdout, "");
  assertMatch(r.stderr, /^error: /);
  assertMatch(r.stderr, re);
  assert(!/^\s+at /m.test(r.stderr), `no stack trace:\n${r.stderr}`);
}

Deno.test("closestFlag() finds typos, prefixes, case and _/- slips, and nothing far", () => {
  const flags = ["jobs", "dry-run", "restart", "load_size", "netG", "backend"];
  assertEquals(closestFlag("jbos", flags), "jobs");
  assertEquals(closestFlag("dry", flags), "dry-run");
  assertEquals(closestFlag("restrat", flags), "restart");
  assertEquals(closestFlag("load-size", flags), "load_size");
  assertEquals(closestFlag("netg", flags), "netG");
  assertEquals(closestFlag("bakend", flags), "backend");
  assertEquals(closestFlag("verbose", flags), undefined);
});

Deno.test("helpText() prints the usage and one line per flag with its value and doc", () => {
  const text = helpText({
    usage: "usage: deno task demo",
    flags: {
      jobs: { type: "string", arg: "N", doc: "runs at once" },
      only: { type: "string", multiple: true, arg: "ID", doc: "only these" },
      help: HELP_FLAG,
    },
    epilog: "exit codes: 0 ok",
  });
  assertEquals(
    text,
    "usage: deno task demo\n\nflags:\n" +
      "  --jobs N    runs at once\n" +
      "  --only ID   only these (repeatable)\n" +
      "  -h, --help  print this help and exit\n\nexit codes: 0 ok",
  );
});

Deno.test("every task's --help exits 0 with one line per flag saying what it does", async () => {
  const results = await each(Object.keys(TASKS), (t) => task(t, "--help"));
  Object.keys(TASKS).forEach((name, i) => {
    const r = results[i];
    assertEquals(r.code, 0, `${name}: ${r.stderr}`);
    assertMatch(r.stdout, new RegExp(`^usage: deno task ${name}`));
    const section = r.stdout.split("\nflags:\n")[1]?.split("\n\n")[0].trimEnd();
    assert(section, `${name} --help has a flags: section:\n${r.stdout}`);
    for (const line of section.split("\n")) {
      assertMatch(line, /^ {2}(-\w, )?--[\w-]+( \S+)? {2,}\w.{8,}$/, `${name}: "${line}"`);
    }
    assertMatch(section, /-h, --help +print this help and exit/);
  });
  // The flags the issue found unexplained.
  assertMatch(results[0].stdout, /--isolate +a fresh worker process per run/);
  assertMatch(results[0].stdout, /--restart ID\|GLOB +start the matching runs over/);
  assertMatch(results[0].stdout, /exit codes: 0 every selected run completed/);
});

Deno.test("an unknown flag names the closest valid one, prints the usage, exits 2", async () => {
  const cases: [string, string[], RegExp][] = [
    ["ablate", ["--jbos", "2"], /unknown flag --jbos; did you mean --jobs\?/],
    ["ablate", ["--dry"], /unknown flag --dry; did you mean --dry-run\?/],
    ["backends", ["--bakend", "wasm"], /unknown flag --bakend; did you mean --backend\?/],
    ["models", ["--netg", "unet_256"], /unknown flag --netg; did you mean --netG\?/],
    ["data", ["check", ".", "--load-size", "4"], /did you mean --load_size\?/],
    ["metrics", ["kid", "a", "b", "--subset_size", "4"], /did you mean --subset-size\?/],
    ["report", ["--opne"], /unknown flag --opne; did you mean --open\?/],
    ["bench", ["--repeat", "2"], /unknown flag --repeat; did you mean --repeats\?/],
    ["models", ["--verbose"], /unknown flag --verbose; this command takes --netG, --netD/],
  ];
  const results = await each(cases, ([t, args]) => task(t, ...args));
  cases.forEach(([t, , re], i) => {
    assertUsageError(results[i], re);
    assertMatch(results[i].stderr, new RegExp(`\nusage: deno task ${t}`));
  });
});

Deno.test("a negative number after a space says what the flag expects", async () => {
  const cases: [string, string[], RegExp][] = [
    ["ablate", ["--jobs", "-2"], /^error: --jobs expects a positive integer, got "-2"$/m],
    ["ablate", ["--jobs=-2"], /^error: --jobs expects a positive integer, got "-2"$/m],
    ["bench", ["--repeats", "-1"], /^error: --repeats expects a positive integer, got "-1"$/m],
    ["models", ["--ngf", "-3"], /^error: --ngf expects a positive integer, got "-3"$/m],
    ["metrics", ["kid", "a", "b", "--seed", "-1"], /--seed expects a non-negative integer/],
    // A flag where a value should be: what was expected and how to pass a dash anyway.
    ["ablate", ["--out", "--jobs", "2"], /--out expects DIR, got "--jobs" \(.*--out=--jobs\)/],
    ["models", ["--ndf"], /--ndf expects a positive integer, got nothing/],
    ["models", ["--json=yes"], /--json is a switch and takes no value/],
    ["models", ["unet_256"], /unexpected argument "unet_256": this command takes only flags/],
  ];
  const results = await each(cases, ([t, args]) => task(t, ...args));
  cases.forEach(([, , re], i) => assertUsageError(results[i], re));
});

Deno.test("ablate: --restart or --shard that selects no run is an error, exit 2", async () => {
  const out = await Deno.makeTempDir();
  try {
    const smoke = ["ablations/smoke.yaml", "--dry-run", "--out", `${out}/o`];
    const [restart, shard, onlyShard, emit] = await each([
      [...smoke, "--restart", "netG=nope*"],
      [...smoke, "--shard", "100/200"],
      [...smoke, "--only", "*unet_128*", "--shard", "30/30"],
      ["ablations/smoke.yaml", "--emit", "slurm", "--shards", "999", "--out", out],
    ], (args) => task("ablate", ...args));
    assertUsageError(restart, /^error: --restart netG=nope\* matches none of the \d+ runs/m);
    assertUsageError(
      shard,
      /^error: --shard 100\/200 selects no run: the sweep has \d+ run\(s\), so at most \d+/m,
    );
    assertUsageError(onlyShard, /--shard 30\/30 selects no run: --only selects \d+ of the \d+/);
    assertUsageError(emit, /--shards 999 is more than the \d+ runs; use at most \d+/);
    assertEquals([...Deno.readDirSync(out)], [], "nothing written");
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("ablate says which backend runs: version, threads and why", async () => {
  const out = await Deno.makeTempDir();
  try {
    const smoke = ["ablations/smoke.yaml", "--dry-run", "--out", `${out}/o`];
    const [cpu, auto] = await each(
      [[...smoke, "--backend", "cpu"], smoke],
      (args) => task("ablate", ...args),
    );
    assertEquals(cpu.code, 0, cpu.stderr);
    // On stderr: a dry run's stdout is the listing.
    assertMatch(
      cpu.stderr,
      /^backend: cpu \(@tensorflow\/tfjs-backend-cpu [\d.]+; .*; 1 thread; .*\): requested \(--backend\)$/m,
    );
    assertMatch(cpu.stdout, /^sweep "smoke"/);
    assertEquals(auto.code, 0, auto.stderr);
    assertMatch(auto.stderr, /^backend: \w+ \(.*\d+ threads?.*\): auto: /m);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("plain `backends` says what auto picks and why", async () => {
  const r = await task("backends");
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stdout, /^yes {2}wasm +WebAssembly available$/m);
  assertMatch(r.stdout, /^auto picks (tensorflow|webgpu|native|wasm): \S/m);
});
