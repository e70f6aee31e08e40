/**
 * A single-node Slurm cluster in a temporary directory, for tests/slurm_cluster_test.ts: its
 * own munge key and munged, its own slurm.conf (free ports, state and spool under the
 * directory), slurmctld and slurmd in the foreground as children of the test, so that
 * {@link Cluster.stop} ends exactly the processes it started. Needs root (slurmd runs jobs as
 * their user) and Debian's `slurm-wlm` and `munge` packages (Slurm 22.05 on bookworm).
 *
 * ```ts
 * const missing = await slurmMissing();
 * const cluster = await startCluster(`${dir}/cluster`);
 * try {
 *   await run("sbatch", ["--wrap", "true"], cluster.env);
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 * @module
 */

/** The programs the cluster needs. */
const PROGRAMS = [
  "mungekey",
  "munged",
  "slurmctld",
  "slurmd",
  "sbatch",
  "squeue",
  "sinfo",
  "scancel",
  "scontrol",
];

/** The node's and the partition's name. */
const NODE = "cbnode";

/** What {@link run} returns. */
export interface Output {
  /** Exit code. */
  code: number;
  /** Everything on stdout. */
  stdout: string;
  /** Everything on stderr. */
  stderr: string;
}

/** Runs a program to its end (stdin closed). */
export async function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Output> {
  const out = await new Deno.Command(cmd, { args, env, stdin: "null" }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Why the cluster cannot be started here (not root, a program missing), or undefined. */
export async function slurmMissing(): Promise<string | undefined> {
  if (Deno.uid() !== 0) {
    return "the single-node Slurm test runs slurmd and munged and must be root";
  }
  const absent: string[] = [];
  for (const p of PROGRAMS) {
    const found = await run("bash", ["-c", `command -v ${p} || [ -x /usr/sbin/${p} ]`]);
    if (found.code !== 0) absent.push(p);
  }
  return absent.length > 0
    ? `no ${absent.join(", ")} (apt-get install slurm-wlm munge)`
    : undefined;
}

/** A started cluster. */
export interface Cluster {
  /** Its directory (config, keys, logs, state). */
  dir: string;
  /** Environment for client commands (`SLURM_CONF`, PATH with /usr/sbin). */
  env: Record<string, string>;
  /** The one partition. */
  partition: string;
  /** The last lines of the daemons' logs (for failure messages). */
  logs(): Promise<string>;
  /** Cancels what is still queued, then stops the daemons it started (TERM, then KILL). */
  stop(): Promise<void>;
}

/** A TCP port nobody listens on now. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Polls `probe` every 250 ms until it returns true, or throws naming `what` after `ms`. */
export async function until(what: string, probe: () => Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Stops one daemon: TERM, then KILL after 10 s; waits for it either way. */
async function stopDaemon(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* already gone */ }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const exited = await Promise.race([
    child.status.then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 10_000))),
  ]);
  clearTimeout(timer);
  if (!exited) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone meanwhile */ }
    await child.status;
  }
}

/**
 * Starts munged, slurmctld and slurmd under `dir` (created) and waits until the node is idle
 * (at most 60 s). On failure it stops what it started and throws with the logs.
 */
export async function startCluster(dir: string): Promise<Cluster> {
  await Deno.mkdir(`${dir}/state`, { recursive: true, mode: 0o700 });
  await Deno.mkdir(`${dir}/spool`, { recursive: true });
  await Deno.chmod(dir, 0o700);
  const host = Deno.hostname().split(".")[0];
  // The node as slurmd finds it (a node declared larger than that is drained).
  const found = (await run("slurmd", ["-C"], sbinPath())).stdout;
  const cpus = Number(/CPUs=(\d+)/.exec(found)?.[1]) || 1;
  const memory = Number(/RealMemory=(\d+)/.exec(found)?.[1]) || 1;
  const sock = `${dir}/munge.socket`;
  const conf = `${dir}/slurm.conf`;
  // Accounting, cgroups and MPI off: one node, processes tracked by /proc, jobs as root.
  await Deno.writeTextFile(
    conf,
    `ClusterName=cyclebench
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${freePort()}
SlurmdPort=${freePort()}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${sock}
SlurmUser=root
SlurmdUser=root
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/slurmctld.log
SlurmdLogFile=${dir}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
NodeName=${NODE} NodeHostname=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memory} State=UNKNOWN
PartitionName=${NODE} Nodes=${NODE} Default=YES MaxTime=INFINITE State=UP
`,
  );
  const env = { ...sbinPath(), SLURM_CONF: conf };
  const key = await run("mungekey", ["-c", "-b", "1024", "-k", `${dir}/munge.key`], env);
  if (key.code !== 0) throw new Error(`mungekey failed: ${key.stderr}`);
  await Deno.chmod(`${dir}/munge.key`, 0o600);

  const started: Deno.ChildProcess[] = [];
  const spawn = (cmd: string, args: string[]) => {
    const child = new Deno.Command(cmd, {
      args,
      env,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    started.push(child);
    return child;
  };
  const logs = async () => {
    const tails: string[] = [];
    for (const f of ["munged.log", "slurmctld.log", "slurmd.log"]) {
      const text = await Deno.readTextFile(`${dir}/${f}`).catch(() => "(none)");
      tails.push(`--- ${f}\n${text.split("\n").slice(-15).join("\n")}`);
    }
    return tails.join("\n");
  };
  const stop = async () => {
    // Jobs first (this cluster runs only the test's), so that no job step outlives its slurmd.
    const q = await run("squeue", ["-h", "-o", "%A"], env).catch(() => undefined);
    const ids = q?.stdout.split(/\s+/).filter(Boolean) ?? [];
    if (ids.length > 0) {
      await run("scancel", ids, env).catch(() => undefined);
      await until("cancelled jobs to end", async () => {
        const r = await run("squeue", ["-h", "-o", "%A"], env).catch(() => undefined);
        return !r || r.code !== 0 || r.stdout.trim() === "";
      }, 30_000).catch(() => {});
    }
    for (const child of started.reverse()) await stopDaemon(child);
  };
  try {
    spawn("munged", [
      "--foreground",
      "--force",
      `--key-file=${dir}/munge.key`,
      `--socket=${sock}`,
      `--pid-file=${dir}/munged.pid`,
      `--log-file=${dir}/munged.log`,
      `--seed-file=${dir}/munged.seed`,
    ]);
    await until("munged's socket", async () => await exists(sock), 20_000);
    spawn("slurmctld", ["-D", "-f", conf]);
    spawn("slurmd", ["-D", "-f", conf, "-N", NODE]);
    await until("the node to be idle", async () => {
      const r = await run("sinfo", ["-h", "-n", NODE, "-o", "%T"], env);
      return r.code === 0 && r.stdout.trim() === "idle";
    }, 60_000);
  } catch (e) {
    const text = await logs();
    await stop();
    throw new Error(`${(e as Error).message}\n${text}`);
  }
  return { dir, env, partition: NODE, logs, stop };
}

function sbinPath(): Record<string, string> {
  return { PATH: `${Deno.env.get("PATH") ?? "/usr/bin:/bin"}:/usr/sbin:/sbin` };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}
