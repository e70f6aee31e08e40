/**
 * What a benchmark number needs beside it: the machine, and how busy it was.
 * @module
 */

/** Machine facts recorded with every benchmark. */
export interface MachineInfo {
  /** CPU model name from /proc/cpuinfo (or `navigator.userAgent` elsewhere). */
  cpu: string;
  /** Logical cores. */
  cores: number;
  /** Total memory in GiB. */
  memoryGiB: number;
  /** 1-minute load average at the start (timings are only comparable on an idle machine). */
  load1: number;
  /** `deno --version` of the running Deno. */
  deno: string;
  /** OS and architecture. */
  os: string;
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** The 1-minute load average, or NaN where /proc is absent. */
export function loadAverage(): number {
  const s = readText("/proc/loadavg").split(" ")[0];
  return s ? Number(s) : NaN;
}

/** Whether /proc/cpuinfo lists the CPU feature `flag` (false where it cannot be read). */
export function cpuHasFlag(flag: string): boolean {
  const flags = /^flags\s*:(.*)$/m.exec(readText("/proc/cpuinfo"))?.[1] ?? "";
  return flags.split(/\s+/).includes(flag);
}

/** Reads the machine's facts. */
export function machineInfo(): MachineInfo {
  const cpu = /model name\s*:\s*(.+)/.exec(readText("/proc/cpuinfo"))?.[1]?.trim() ?? "unknown";
  const mem = /MemTotal:\s+(\d+) kB/.exec(readText("/proc/meminfo"))?.[1];
  return {
    cpu,
    cores: navigator.hardwareConcurrency ?? 1,
    memoryGiB: mem ? Math.round(Number(mem) / 1048576 * 10) / 10 : NaN,
    load1: loadAverage(),
    deno: Deno.version.deno,
    os: `${Deno.build.os} ${Deno.build.arch}`,
  };
}
