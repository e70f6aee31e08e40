/**
 * Issue 17 on a real Slurm: a single-node cluster started in a temporary directory
 * (tests/_slurm.ts) runs a 2-shard tiny sweep emitted with `--emit slurm`, submitted with its
 * `submit.sh`: both array tasks and the report job complete, every run is completed, the
 * report is written, `--status` says so, and each run's metrics are the bytes of the same run
 * trained locally. Needs root and Debian's slurm-wlm and munge: skipped with the reason
 * elsewhere, failed under CI (tests/_deps.ts), which installs them (.ci/run).
 */
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { needs } from "./_deps.ts";
import { run, slurmMissing, startCluster, until } from "./_slurm.ts";
import { ablate, tinyExperiment, writeFiles } from "../lib/sweep/_fixtures.ts";

/** The whole test, cluster start to stop, must end within this (CI runs in under 20 min). */
const DEADLINE_MS = 5 * 60_000;

Deno.test(needs(await slurmMissing(), {
  name: "--emit slurm on a single-node Slurm: array, then report; metrics equal a local run's",
  fn: async () => {
    const t0 = Date.now();
    const dir = await Deno.makeTempDir({ prefix: "cyclebench_slurm_" });
    const cluster = await startCluster(`${dir}/cluster`);
    try {
      await writeFiles(dir, {
        "exp.yaml": tinyExperiment({ steps: 3 }),
        "abl.yaml": `name: slurm_ci
experiment: exp.yaml
seeds: [0, 1]
slurm: { partition: ${cluster.partition}, time: 10, mem: 512 }
`,
      });
      const abl = `${dir}/abl.yaml`;
      const out = `${dir}/out`;
      const emit = await ablate([
        abl,
        "--emit",
        "slurm",
        "--shards",
        "2",
        "--jobs",
        "1",
        "--out",
        out,
        "--sbatch=--comment=cyclebench-ci",
      ]);
      assertEquals(emit.code, 0, emit.stdout + emit.stderr);
      // The same sweep trained locally meanwhile: the reference bytes.
      const local = ablate([abl, "--out", `${dir}/local`, "--jobs", "1"]);

      const submit = await run("bash", [`${out}/submit.sh`], cluster.env);
      assertEquals(submit.code, 0, submit.stdout + submit.stderr);
      const array = /^array job (\d+): 2 task\(s\)/m.exec(submit.stdout)?.[1];
      const report = /^report job (\d+): starts when job (\d+) has ended/m.exec(submit.stdout);
      assert(array && report && report[2] === array, submit.stdout);
      assertMatch(submit.stdout, /^progress: cd .* && deno task ablate .* --status$/m);

      // Both jobs leave the queue; then each array task and the report completed.
      try {
        await until("the array and the report job to end", async () => {
          const q = await run(
            "squeue",
            ["-h", "-o", "%A", "-j", `${array},${report[1]}`],
            cluster.env,
          );
          return q.code === 0 && q.stdout.trim() === "";
        }, Math.max(30_000, DEADLINE_MS - (Date.now() - t0)));
      } catch (e) {
        const logs = await Array.fromAsync(Deno.readDir(out)).then((es) =>
          Promise.all(
            es.filter((x) => x.name.startsWith("slurm-")).map(async (x) =>
              `--- ${x.name}\n${await Deno.readTextFile(`${out}/${x.name}`)}`
            ),
          )
        );
        throw new Error(`${(e as Error).message}\n${logs.join("\n")}\n${await cluster.logs()}`);
      }
      const jobs = await run("scontrol", ["-o", "show", "job", array], cluster.env);
      const states = [...jobs.stdout.matchAll(/JobState=(\S+).*?ExitCode=(\S+)/g)]
        .map((m) => `${m[1]} ${m[2]}`);
      assertEquals(states, ["COMPLETED 0:0", "COMPLETED 0:0"], jobs.stdout);
      const rep = await run("scontrol", ["-o", "show", "job", report[1]], cluster.env);
      assertMatch(rep.stdout, /JobState=COMPLETED .*ExitCode=0:0/);
      assertMatch(rep.stdout, /Dependency=\(null\)|afterany/);
      assertMatch(jobs.stdout, /Comment=cyclebench-ci/);
      assertMatch(jobs.stdout, /TimeLimit=00:10:00 .*MinMemoryNode=512M/);
      assertMatch(jobs.stdout, new RegExp(`Partition=${cluster.partition} `));

      // Every run completed, the report is there, and the bytes equal the local run's.
      const sweep = JSON.parse(await Deno.readTextFile(`${out}/sweep.json`));
      assertEquals(sweep.runs.length, 2);
      const reference = await local;
      assertEquals(reference.code, 0, reference.stdout + reference.stderr);
      for (const r of sweep.runs) {
        const status = JSON.parse(await Deno.readTextFile(`${out}/runs/${r.id}/status.json`));
        assertEquals([status.status, status.step], ["completed", 3], r.id);
        assertEquals(
          await Deno.readFile(`${out}/runs/${r.id}/metrics.jsonl`),
          await Deno.readFile(`${dir}/local/runs/${r.id}/metrics.jsonl`),
          `metrics of ${r.id}`,
        );
      }
      for (const f of ["index.html", "summary.md", "summary.csv"]) {
        assert((await Deno.stat(`${out}/${f}`)).size > 0, f);
      }
      assertMatch(await Deno.readTextFile(`${out}/summary.md`), /2 run\(s\): 2 completed/);
      const logs = await Deno.readTextFile(`${out}/slurm-${array}_1.out`);
      assertMatch(logs, /sweep "slurm_ci" in .*: 1 done/);

      const status = await ablate([abl, "--out", out, "--status"]);
      assertEquals(status.code, 0, status.stderr);
      assertMatch(status.stdout, /2 run\(s\) in 2 shard\(s\) \(from sweep\.sbatch\)/);
      assertMatch(status.stdout, /^all: 2 done, 0 running, 0 failed, 0 diverged, 0 pending$/m);
    } finally {
      await cluster.stop();
      await Deno.remove(dir, { recursive: true });
    }
    console.log(`single-node Slurm test: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  },
}));
