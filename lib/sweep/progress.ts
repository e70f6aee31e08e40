/**
 * The sweep's progress display. On a terminal: one live line per active run (name,
 * step/total, it/s, ETA, last G and D losses) and an overall line (runs done/total, ETA),
 * redrawn in place, with log lines scrolling above them. Elsewhere (CI, Slurm logs): plain
 * lines when a run starts or ends, and the same status lines every `interval` seconds.
 *
 * ```ts
 * import { ProgressBoard } from "./progress.ts";
 * const board = new ProgressBoard({ total: 4, jobs: 2, tty: Deno.stdout.isTerminal() });
 * board.started("a-123", "netG=resnet_6blocks", { step: 0, total: 10 });
 * board.step("a-123", { step: 1, total: 10, G: 3.1, D: 0.5 });
 * board.ended("a-123", "completed");
 * board.close();
 * ```
 * @module
 */

interface Active {
  name: string;
  step: number;
  total: number;
  firstStep: number;
  tFirst: number;
  rate: number | null;
  G: number | null;
  D: number | null;
}

/** Options of {@link ProgressBoard}. */
export interface ProgressOptions {
  /** Runs this sweep will run (not those it skips). */
  total: number;
  /** Runs at once. */
  jobs: number;
  /** Redraw in place (a terminal) or print plain lines. */
  tty: boolean;
  /** Where the text goes (default: stdout). */
  write?: (text: string) => void;
  /** Seconds between plain status lines (default 15). */
  interval?: number;
  /** Name column width on a terminal (default 44). */
  width?: number;
}

/** `m:ss` or `h:mm:ss`; `?` when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Live progress of a sweep's runs. */
export class ProgressBoard {
  readonly #o: Required<ProgressOptions>;
  readonly #active = new Map<string, Active>();
  readonly #t0 = performance.now();
  #done = 0;
  #startedCount = 0;
  #notOk = 0;
  #drawn = 0;
  #lastDraw = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #runSeconds: number[] = [];
  readonly #starts = new Map<string, number>();

  /**
   * A board for `options.total` runs; on a terminal it redraws twice a second.
   * @param options See {@link ProgressOptions}.
   */
  constructor(options: ProgressOptions) {
    const enc = new TextEncoder();
    this.#o = {
      write: (t) => {
        const bytes = enc.encode(t);
        for (let n = 0; n < bytes.length;) n += Deno.stdout.writeSync(bytes.subarray(n));
      },
      ...options,
      interval: options.interval ?? 15,
      width: options.width ?? 44,
    };
    const every = this.#o.tty ? 500 : this.#o.interval * 1000;
    if (this.#o.total > 0) {
      const timer = setInterval(() => (this.#o.tty ? this.#draw(true) : this.#plain()), every);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** A run (re)started at `at.step` of `at.total`. */
  started(id: string, name: string, at: { step: number; total: number; note?: string }): void {
    this.#starts.set(id, performance.now());
    this.#startedCount++;
    this.#active.set(id, {
      name,
      step: at.step,
      total: at.total,
      firstStep: at.step,
      tFirst: 0,
      rate: null,
      G: null,
      D: null,
    });
    if (!this.#o.tty) {
      this.#o.write(
        `[${this.#startedCount}/${this.#o.total}] start ${name}${at.note ? ` (${at.note})` : ""}\n`,
      );
    } else if (at.note) {
      this.log(`${name}: ${at.note}`);
    } else {
      this.#draw();
    }
  }

  /** A step of a run ended. */
  step(id: string, at: { step: number; total: number; G: number; D: number }): void {
    const a = this.#active.get(id);
    if (!a) return;
    if (a.tFirst === 0) {
      // Rates count from the first step, so that start-up does not count.
      a.tFirst = performance.now();
      a.firstStep = at.step;
    } else {
      a.rate = (at.step - a.firstStep) / ((performance.now() - a.tFirst) / 1000);
    }
    Object.assign(a, { step: at.step, total: at.total, G: at.G, D: at.D });
    if (this.#o.tty) this.#draw();
  }

  /** A run ended with `status` (and a note: error, divergence). */
  ended(id: string, status: string, note?: string): void {
    const a = this.#active.get(id);
    this.#active.delete(id);
    this.#done++;
    if (status !== "completed") this.#notOk++;
    const t = this.#starts.get(id);
    const seconds = t === undefined ? 0 : (performance.now() - t) / 1000;
    if (status === "completed") this.#runSeconds.push(seconds);
    const rate = a?.rate ? `, ${a.rate.toFixed(2)} it/s` : "";
    this.log(
      `[${this.#done}/${this.#o.total}] ${status} ${a?.name ?? id} at step ${a?.step ?? "?"} ` +
        `in ${formatDuration(seconds)}${rate}${note ? `: ${note}` : ""}`,
    );
  }

  /** A line that scrolls above the live lines. */
  log(line: string): void {
    if (this.#o.tty) {
      this.#clear();
      this.#o.write(`${line}\n`);
      this.#drawn = 0;
      this.#draw(true);
    } else {
      this.#o.write(`${line}\n`);
    }
  }

  /** Stops the timer and leaves the last lines on screen. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#o.tty) this.#clear();
  }

  /** The overall ETA in seconds, from the finished runs' times (or the active runs' rates). */
  eta(): number | null {
    const left = this.#o.total - this.#done;
    if (left <= 0) return 0;
    let activeLeft = 0;
    for (const a of this.#active.values()) {
      if (a.rate) activeLeft = Math.max(activeLeft, (a.total - a.step) / a.rate);
    }
    const queued = left - this.#active.size;
    if (this.#runSeconds.length > 0) {
      const mean = this.#runSeconds.reduce((x, y) => x + y, 0) / this.#runSeconds.length;
      return activeLeft + (queued * mean) / Math.max(1, this.#o.jobs);
    }
    const rates = [...this.#active.values()].filter((a) => a.rate);
    if (rates.length === 0) return null;
    const perRun = rates.reduce((s, a) => s + a.total / a.rate!, 0) / rates.length;
    return activeLeft + (queued * perRun) / Math.max(1, this.#o.jobs);
  }

  /** The status lines: one per active run, then the overall line. */
  lines(): string[] {
    const w = this.#o.width;
    const out: string[] = [];
    for (const a of this.#active.values()) {
      const name = a.name.length > w ? `${a.name.slice(0, w - 1)}~` : a.name.padEnd(w);
      const rate = a.rate ? `${a.rate.toFixed(2)} it/s` : "-- it/s";
      const eta = a.rate ? formatDuration((a.total - a.step) / a.rate) : "?";
      const losses = a.G === null ? "" : `  G ${a.G.toFixed(3)}  D ${a.D!.toFixed(3)}`;
      out.push(`  ${name} ${a.step}/${a.total}  ${rate}  ETA ${eta}${losses}`);
    }
    const elapsed = (performance.now() - this.#t0) / 1000;
    out.push(
      `runs ${this.#done}/${this.#o.total} done${
        this.#notOk ? ` (${this.#notOk} not completed)` : ""
      }, ` +
        `${this.#active.size} running, elapsed ${formatDuration(elapsed)}, ETA ${
          formatDuration(this.eta())
        }`,
    );
    return out;
  }

  #plain(): void {
    if (this.#active.size === 0) return;
    this.#o.write(this.lines().map((l) => `${l.trimEnd()}\n`).join(""));
  }

  #clear(): void {
    if (this.#drawn > 0) this.#o.write(`\x1b[${this.#drawn}A\r\x1b[J`);
    this.#drawn = 0;
  }

  #draw(force = false): void {
    if (!this.#o.tty) return;
    const now = performance.now();
    if (!force && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const lines = this.lines();
    const cols = (() => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 120;
      }
    })();
    this.#clear();
    this.#o.write(lines.map((l) => `${l.slice(0, cols - 1)}\n`).join(""));
    this.#drawn = lines.length;
  }
}
