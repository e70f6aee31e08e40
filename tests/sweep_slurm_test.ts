/**
 * `--emit slurm` and `--status` without a cluster (issue 17; the real cluster:
 * tests/slurm_cluster_test.ts): the three files and their settings from the sweep file and the
 * flags; every invalid setting at once, with file:line or the flag; the preflight's message
 * when a node cannot see deno or the project; submit.sh's two sbatch calls (a stand-in sbatch
 * records them); the per-shard status from run records.
 */
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { ablate, tinyExperiment, writeFiles } from "../lib/sweep/_fixtures.ts";
import {
  sbatchLineProblem,
  shardsOfScript,
  signalBefore,
  slurmFiles,
  slurmTimeSeconds,
} from "../lib/sweep/slurm.ts";
import { planSweep } from "../lib/sweep/plan.ts";
import { pendingStatus, runPaths } from "../lib/sweep/run_dir.ts";
import { hostName } from "../lib/sweep/lock.ts";
import { REPO_ROOT } from "../lib/sweep/sweep.ts";

const SWEEP = `name: slurm_unit
experiment: exp.yaml
seeds: [0, 1, 2]
slurm:
  partition: cpu
  time: "2:00:00"
  mem: 8G
  account: lab
  sbatch: ["--qos=normal"]
`;

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const o = await new Deno.Command(cmd, { args, env, stdin: "null" }).output();
  const dec = new TextDecoder();
  return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}

Deno.test("slurmTimeSeconds(), sbatchLineProblem() and signalBefore() read sbatch's forms", () => {
  assertEquals(slurmTimeSeconds("90"), 5400);
  assertEquals(slurmTimeSeconds("5:30"), 330);
  assertEquals(slurmTimeSeconds("2:00:00"), 7200);
  assertEquals(slurmTimeSeconds("1-12"), 129600);
  assertEquals(slurmTimeSeconds("1-0:30:05"), 88205);
  assertEquals(slurmTimeSeconds("UNLIMITED"), null);
  for (const bad of ["2h", "1:60", "1-24", "", "-5", "1:2:3:4"]) {
    assertEquals(slurmTimeSeconds(bad), undefined, bad);
  }
  assertEquals(sbatchLineProblem("--gres=gpu:1"), undefined);
  assertEquals(sbatchLineProblem("--exclusive"), undefined);
  assertMatch(sbatchLineProblem("--cpus-per-task=4")!, /written by cyclebench \(--jobs N\)/);
  assertMatch(sbatchLineProblem("-c 4")!, /expected one long sbatch option/);
  assertMatch(sbatchLineProblem("--qos=a\n#SBATCH --x")!, /on one line/);
  assertEquals(signalBefore({}), 120);
  assertEquals(signalBefore({ time: "3" }), 90);
  assertEquals(signalBefore({ time: "3", signal_before: 30 }), 30);
  assertEquals(shardsOfScript("#!/bin/bash\n#SBATCH --array=1-12\n"), 12);
});

Deno.test("--emit slurm writes sweep.sbatch, report.sbatch and submit.sh with the slurm: settings, flags over them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep_slurm_" });
  try {
    await writeFiles(dir, { "exp.yaml": tinyExperiment(), "abl.yaml": SWEEP });
    const out = `${dir}/out`;
    const r = await ablate([
      `${dir}/abl.yaml`,
      "--emit",
      "slurm",
      "--shards",
      "2",
      "--jobs",
      "3",
      "--out",
      out,
      "--time",
      "30",
      "--sbatch=--constraint=avx512",
    ]);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assertMatch(r.stdout, /2 array task\(s\) over 3 run\(s\), 3 CPU\(s\) and --jobs 3 per task/);
    assertMatch(r.stdout, new RegExp(`submit with: bash ${out}/submit\\.sh`));
    const sweep = await Deno.readTextFile(`${out}/sweep.sbatch`);
    const report = await Deno.readTextFile(`${out}/report.sbatch`);
    const directives = (text: string) => text.split("\n").filter((l) => l.startsWith("#SBATCH"));
    assertEquals(directives(sweep), [
      "#SBATCH --job-name=cyclebench-slurm_unit",
      "#SBATCH --array=1-2",
      "#SBATCH --cpus-per-task=3",
      "#SBATCH --partition=cpu",
      "#SBATCH --account=lab",
      "#SBATCH --time=30",
      "#SBATCH --mem=8G",
      "#SBATCH --qos=normal",
      "#SBATCH --constraint=avx512",
      "#SBATCH --signal=B:TERM@120",
      `#SBATCH --output=${out}/slurm-%A_%a.out`,
    ]);
    assertEquals(directives(report), [
      "#SBATCH --job-name=cyclebench-slurm_unit-report",
      "#SBATCH --cpus-per-task=1",
      "#SBATCH --partition=cpu",
      "#SBATCH --account=lab",
      "#SBATCH --time=30",
      "#SBATCH --mem=8G",
      "#SBATCH --qos=normal",
      "#SBATCH --constraint=avx512",
      `#SBATCH --output=${out}/slurm-report-%j.out`,
    ]);
    // The deno and the project of this process, by absolute path; deno exec'd (the signal).
    assertMatch(sweep, new RegExp(`^DENO=${Deno.execPath()}$`, "m"));
    assertMatch(sweep, new RegExp(`^ROOT=${REPO_ROOT}$`, "m"));
    assertMatch(
      sweep,
      /^exec "\$DENO" run -A lib\/cli\/ablate\.ts "\$SWEEP_FILE" --out "\$OUT" --shard "\$\{SLURM_ARRAY_TASK_ID\}\/2" --jobs "\$\{SLURM_CPUS_PER_TASK:-3\}"$/m,
    );
    assertMatch(report, /^exec "\$DENO" run -A lib\/cli\/report\.ts "\$OUT"$/m);
    assert((await Deno.stat(`${out}/submit.sh`)).mode! & 0o100, "submit.sh is executable");
    for (const f of ["sweep.sbatch", "report.sbatch", "submit.sh"]) {
      assertEquals((await run("bash", ["-n", `${out}/${f}`])).code, 0, f);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("invalid slurm: settings are listed at once with file:line; bad flags name the flag; exit 2, nothing written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep_slurm_bad_" });
  try {
    await writeFiles(dir, {
      "exp.yaml": tinyExperiment(),
      "bad.yaml": `experiment: exp.yaml
slurm:
  partition: "c p u"
  time: 2h
  mem: lots
  sbatch: ["--array=1-3", "qos=high"]
  acount: lab
`,
      "short.yaml": `experiment: exp.yaml
slurm: { time: "1", signal_before: 300 }
`,
      "ok.yaml": SWEEP,
    });
    const out = `${dir}/out`;
    const bad = await ablate([`${dir}/bad.yaml`, "--emit", "slurm", "--out", out]);
    assertEquals(bad.code, 2, bad.stderr);
    for (
      const re of [
        /bad\.yaml:3:14: slurm\.partition: expected a partition name .*got "c p u"/,
        /bad\.yaml:4:9: slurm\.time: expected a Slurm time limit: .*got "2h"/,
        /bad\.yaml:5:8: slurm\.mem: expected memory per node .*got "lots"/,
        /bad\.yaml:6:12: slurm\.sbatch\[0\]: --array is written by cyclebench/,
        /bad\.yaml:6:27: slurm\.sbatch\[1\]: expected one long sbatch option/,
        /bad\.yaml:7:3: slurm\.acount: unknown key "acount" \(did you mean "account"\?\)/,
      ]
    ) assertMatch(bad.stderr, re);
    const short = await ablate([`${dir}/short.yaml`, "--emit", "slurm", "--out", out]);
    assertEquals(short.code, 2);
    assertMatch(short.stderr, /short\.yaml:2:36: slurm\.signal_before: 300 s is not less than/);

    const flags = await ablate([
      `${dir}/ok.yaml`,
      "--emit",
      "slurm",
      "--out",
      out,
      "--time",
      "2h",
      "--mem",
      "x",
      "--sbatch=--output=/tmp/x",
    ]);
    assertEquals(flags.code, 2);
    assertMatch(flags.stderr, /--time "2h": expected a Slurm time limit/);
    assertMatch(flags.stderr, /--mem "x": expected memory per node/);
    assertMatch(flags.stderr, /--sbatch "--output=\/tmp\/x": --output is written by cyclebench/);
    const alone = await ablate([`${dir}/ok.yaml`, "--partition", "cpu", "--out", out]);
    assertEquals(alone.code, 2);
    assertMatch(alone.stderr, /--partition only goes with --emit slurm/);
    const status = await ablate([`${dir}/ok.yaml`, "--status", "--only", "seed=0", "--out", out]);
    assertEquals(status.code, 2);
    assertMatch(status.stderr, /--status does not go with --only/);
    assert(!(await Deno.lstat(out).then(() => true, () => false)), "nothing is written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the preflight fails a task with one line when its node cannot see deno or the project", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep_slurm_pre_" });
  try {
    const base = {
      name: "x",
      root: REPO_ROOT,
      ablation: `${dir}/abl.yaml`,
      out: `${dir}/out`,
      shards: 1,
      deno: Deno.execPath(),
      emitHost: "login1",
    };
    await Deno.writeTextFile(base.ablation, "experiment: exp.yaml\n");
    const cases: [Partial<typeof base>, RegExp][] = [
      [{ deno: `${dir}/bin/deno` }, new RegExp(`no deno executable at ${dir}/bin/deno .*login1`)],
      [{ root: `${dir}/gone` }, new RegExp(`the project is not at ${dir}/gone; clone it`)],
      [{ ablation: `${dir}/missing.yaml` }, /cannot read the sweep file .*missing\.yaml/],
    ];
    for (const [change, re] of cases) {
      for (const f of ["sweep.sbatch", "report.sbatch"] as const) {
        await Deno.writeTextFile(`${dir}/${f}`, slurmFiles({ ...base, ...change })[f]);
        const r = await run("bash", [`${dir}/${f}`], { SLURM_ARRAY_TASK_ID: "1" });
        assertEquals(r.code, 1, `${f}: ${r.stderr}`);
        assertMatch(r.stderr, new RegExp(`^cyclebench preflight failed on ${hostName()}: `));
        assertMatch(r.stderr, re);
        assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("submit.sh submits the array with --parsable, then the report after it (afterany), and prints both ids", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep_slurm_submit_" });
  try {
    // A stand-in sbatch that records its arguments and answers as `sbatch --parsable` does.
    await Deno.mkdir(`${dir}/bin`);
    await Deno.writeTextFile(
      `${dir}/bin/sbatch`,
      `#!/bin/bash
echo "$*" >> ${dir}/calls
n=$(wc -l < ${dir}/calls)
if [ "$n" = 1 ]; then echo "4101;cluster"; else echo 4102; fi
`,
    );
    await Deno.chmod(`${dir}/bin/sbatch`, 0o755);
    const files = slurmFiles({
      name: "x",
      root: REPO_ROOT,
      ablation: `${dir}/abl.yaml`,
      out: dir,
      shards: 3,
      deno: Deno.execPath(),
    });
    await Deno.writeTextFile(`${dir}/submit.sh`, files["submit.sh"]);
    const r = await run("bash", [`${dir}/submit.sh`, "--qos=high"], {
      PATH: `${dir}/bin:${Deno.env.get("PATH")}`,
    });
    assertEquals(r.code, 0, r.stderr);
    assertEquals((await Deno.readTextFile(`${dir}/calls`)).trim().split("\n"), [
      `--parsable --qos=high ${dir}/sweep.sbatch`,
      `--parsable --dependency=afterany:4101 --qos=high ${dir}/report.sbatch`,
    ]);
    assertMatch(r.stdout, /^array job 4101: 3 task\(s\), one shard each/m);
    assertMatch(r.stdout, /^report job 4102: starts when job 4101 has ended/m);
    assertMatch(r.stdout, /^progress: cd .* && deno task ablate .*abl\.yaml --out .* --status$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--status shows per shard done, running (step, host), failed and pending runs from their records", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep_slurm_status_" });
  const holder = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    await writeFiles(dir, {
      "exp.yaml": tinyExperiment({ steps: 8 }),
      "abl.yaml": "name: st\nexperiment: exp.yaml\nseeds: [0, 1, 2, 3]\n",
    });
    const out = `${dir}/out`;
    const plan = await planSweep(`${dir}/abl.yaml`, { readOnly: true });
    const [done, running, failed] = plan.runs;
    const record = async (
      r: typeof done,
      fields: Record<string, unknown>,
      lock?: Record<string, unknown>,
    ) => {
      const d = `${out}/runs/${r.id}`;
      await Deno.mkdir(d, { recursive: true });
      const s = { ...pendingStatus(r), host: "node7", ...fields };
      await Deno.writeTextFile(runPaths(d).status, JSON.stringify(s));
      if (lock) await Deno.writeTextFile(runPaths(d).lock, JSON.stringify(lock));
    };
    await record(done, { status: "completed", step: 8 });
    // Running: a live holder of the run lock on this host, and the step status.json recorded.
    await record(running, { status: "running", step: 5, updated_at: new Date().toISOString() }, {
      pid: holder.pid,
      host: hostName(),
      started: new Date().toISOString(),
      what: `run ${running.id}`,
    });
    await record(failed, { status: "failed", step: 2, error: "Cannot write x: ENOSPC" });
    const r = await ablate([`${dir}/abl.yaml`, "--out", out, "--status", "--shards", "2"]);
    assertEquals(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assertMatch(lines[0], /^sweep "st" .* -> .*: 4 run\(s\) in 2 shard\(s\) \(--shards\)$/);
    // Shards as the array tasks cut them: runs 1 and 3 in shard 1, 2 and 4 in shard 2.
    assertEquals(lines[1], "shard 1/2: 1 done, 0 running, 1 failed, 0 diverged, 0 pending");
    assertEquals(lines[2], `    ${done.id}  done`);
    assertEquals(lines[3], `    ${failed.id}  failed at step 2 on node7: Cannot write x: ENOSPC`);
    assertEquals(lines[4], "shard 2/2: 0 done, 1 running, 0 failed, 0 diverged, 1 pending");
    assertMatch(
      lines[5],
      new RegExp(
        `^    ${running.id}  running at step 5/8 on ${hostName()} \\(pid ${holder.pid}, updated \\d+ s ago\\)$`,
      ),
    );
    assertEquals(lines[6], `    ${plan.runs[3].id}  pending`);
    assertEquals(lines[7], "all: 1 done, 1 running, 1 failed, 0 diverged, 1 pending");
  } finally {
    holder.kill("SIGKILL");
    await holder.status;
    await Deno.remove(dir, { recursive: true });
  }
});
