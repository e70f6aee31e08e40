/**
 * Command-line flag parsing shared by the `deno task` commands: each command declares its flags
 * once ({@link FlagSpecs}: type, value placeholder, one line of help), and gets from that its
 * `--help` ({@link helpText}) and usage errors that say what to type instead
 * ({@link parseCli}): an unknown flag names the closest valid one and prints the usage; a value
 * that starts with `-` given after a space (`--jobs -2`) says what the flag expects. Every usage
 * error exits with 2 (the README's exit-code table).
 *
 * ```ts
 * const CLI = {
 *   usage: "usage: deno task demo [--jobs N]",
 *   flags: {
 *     jobs: { type: "string", arg: "N", expects: "a positive integer", doc: "runs at once" },
 *     help: HELP_FLAG,
 *   },
 * } as const;
 * const { values } = parseCli(["--jobs", "2"], CLI);
 * if (values.help) console.log(helpText(CLI));
 * ```
 * @module
 */
import { parseArgs, type ParseArgsOptionDescriptor } from "node:util";
import { UserError } from "./_errors.ts";

/** Exit code of every usage error (README: "2 = invalid config or usage"). */
export const EXIT_USAGE = 2;

/** One flag: what `node:util` `parseArgs` takes, plus what `--help` and errors say about it. */
export interface FlagSpec {
  /** `string` takes a value, `boolean` does not. */
  readonly type: "string" | "boolean";
  /** May be given more than once (the values are collected in order). */
  readonly multiple?: boolean;
  /** One-letter alias (`h` for `-h`). */
  readonly short?: string;
  /** Value when the flag is not given. */
  readonly default?: string | boolean;
  /** Placeholder of the value in `--help` (`N`, `DIR`, `K/N`). */
  readonly arg?: string;
  /** What the value must be, for errors (`a positive integer`); default: the placeholder. */
  readonly expects?: string;
  /** What the flag does: its one line in `--help`. */
  readonly doc: string;
}

/** A command's flags by name (without the leading `--`). */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** A command's flags and usage line(s), from which help and errors are made. */
export interface CliSpec<F extends FlagSpecs = FlagSpecs> {
  /** The usage line(s), starting with `usage: deno task NAME`. */
  readonly usage: string;
  /** Every flag the command takes. */
  readonly flags: F;
  /** Whether the command takes positional arguments (default false). */
  readonly allowPositionals?: boolean;
  /** Text printed after the flag list by `--help` (exit codes, examples). */
  readonly epilog?: string;
}

/** The `-h, --help` flag every command takes. */
export const HELP_FLAG = {
  type: "boolean",
  short: "h",
  default: false,
  doc: "print this help and exit",
} as const;

/**
 * The `--help` text: the usage, then one line per flag saying what it does, then the epilog.
 *
 * ```ts
 * helpText({ usage: "usage: deno task demo", flags: { help: HELP_FLAG } });
 * // "usage: deno task demo\n\nflags:\n  -h, --help  print this help and exit"
 * ```
 */
export function helpText(cli: CliSpec): string {
  const rows = Object.entries(cli.flags).map(([name, f]) => {
    const value = f.type === "string" ? ` ${f.arg ?? "VALUE"}` : "";
    const left = `${f.short ? `-${f.short}, ` : ""}--${name}${value}`;
    return [left, `${f.doc}${f.multiple ? " (repeatable)" : ""}`];
  });
  const width = Math.max(...rows.map(([l]) => l.length));
  const lines = rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`);
  return [cli.usage, "", "flags:", ...lines, ...(cli.epilog ? ["", cli.epilog] : [])].join("\n");
}

/** The value of one flag: a string or switch, an array when repeatable. */
type FlagValue<S extends FlagSpec> = S["type"] extends "boolean"
  ? (S["multiple"] extends true ? boolean[] : boolean)
  : (S["multiple"] extends true ? string[] : string);

/** The parsed values of a command's flags (a flag without a default may be undefined). */
export type FlagValues<F extends FlagSpecs> = {
  -readonly [K in keyof F]: F[K] extends { default: string | boolean } ? FlagValue<F[K]>
    : FlagValue<F[K]> | undefined;
};

/** What {@link parseCli} returns. */
export interface ParsedCli<F extends FlagSpecs> {
  /** Every flag's value (its default when not given). */
  values: FlagValues<F>;
  /** The positional arguments. */
  positionals: string[];
  /** The flags given on the command line (not defaulted), by name. */
  given: ReadonlySet<string>;
}

/**
 * Parses `args` against the command's flags; every parse error becomes a {@link UserError} with
 * exit code 2 that says what was expected ({@link flagError}).
 */
export function parseCli<const F extends FlagSpecs>(args: string[], cli: CliSpec<F>): ParsedCli<F> {
  const options = Object.fromEntries(
    Object.entries(cli.flags).map(([name, f]) => [name, parseArgsOption(f)]),
  );
  const parsed = parseFlags(
    () =>
      parseArgs({
        args,
        options,
        strict: true,
        allowPositionals: cli.allowPositionals ?? false,
        tokens: true,
      }),
    { args, cli },
  );
  return {
    values: parsed.values as FlagValues<F>,
    positionals: parsed.positionals,
    given: new Set(parsed.tokens.flatMap((t) => (t.kind === "option" ? [t.name] : []))),
  };
}

function parseArgsOption(f: FlagSpec): ParseArgsOptionDescriptor {
  return {
    type: f.type,
    ...(f.multiple ? { multiple: true } : {}),
    ...(f.short ? { short: f.short } : {}),
    ...(f.default !== undefined ? { default: f.default } : {}),
  };
}

/**
 * Runs a `node:util` `parseArgs` call and turns its errors (unknown flag, missing or ambiguous
 * value) into a {@link UserError} with exit code 2 that names the flag; given the command's
 * `args` and {@link CliSpec}, the message also suggests the closest flag and what a value must
 * be ({@link flagError}).
 */
export function parseFlags<T>(
  parse: () => T,
  context?: { args: readonly string[]; cli: CliSpec },
): T {
  try {
    return parse();
  } catch (e) {
    const err = e as Error & { code?: string };
    if (typeof err.code === "string" && err.code.startsWith("ERR_PARSE_ARGS")) {
      throw flagError(err, context?.args ?? [], context?.cli);
    }
    throw e;
  }
}

/**
 * The usage error for a `parseArgs` error: unknown flag (with the closest valid one and the
 * usage), value missing or starting with `-` (with what the flag expects), value given to a
 * switch, or an unexpected argument.
 */
export function flagError(
  err: Error & { code?: string },
  args: readonly string[],
  cli?: CliSpec,
): UserError {
  const quoted = /'([^']+)'/.exec(err.message)?.[1] ?? "";
  const flag = quoted.split(" ")[0].split(",").at(-1)!.trim();
  const name = flag.replace(/^-+/, "");
  const spec = cli?.flags[name];
  const more = cli ? `\n${cli.usage}\n(--help describes every flag)` : " (--help lists the flags)";
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      if (!cli) return new UserError(`unknown flag ${flag}${more}`, EXIT_USAGE);
      const near = closestFlag(name, Object.keys(cli.flags));
      const hint = near
        ? `did you mean --${near}?`
        : `this command takes ${Object.keys(cli.flags).map((f) => `--${f}`).join(", ")}`;
      return new UserError(`unknown flag ${flag}; ${hint}${more}`, EXIT_USAGE);
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      if (/does not take an argument/.test(err.message)) {
        return new UserError(`${flag} is a switch and takes no value${more}`, EXIT_USAGE);
      }
      const expects = spec ? spec.expects ?? spec.arg ?? "a value" : "a value";
      if (/ambiguous/.test(err.message)) {
        // parseArgs refuses `--jobs -2` (the value looks like a flag); say what was given.
        const at = args.lastIndexOf(flag);
        const value = at >= 0 ? args[at + 1] : undefined;
        if (value === undefined) {
          return new UserError(`${flag} expects ${expects}`, EXIT_USAGE);
        }
        const dashHint = Number.isFinite(Number(value))
          ? ""
          : ` (a value starting with "-" is written ${flag}=${value})`;
        return new UserError(`${flag} expects ${expects}, got "${value}"${dashHint}`, EXIT_USAGE);
      }
      return new UserError(`${flag} expects ${expects}, got nothing${more}`, EXIT_USAGE);
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UserError(
        `unexpected argument "${quoted}": this command takes only flags${more}`,
        EXIT_USAGE,
      );
    default:
      return new UserError(err.message.split("\n")[0], EXIT_USAGE);
  }
}

/**
 * The valid flag closest to a mistyped one (`jbos` -> `jobs`, `dry` -> `dry-run`,
 * `load-size` -> `load_size`), or undefined when none is close: case, `-` vs `_`, one edit per
 * three letters (a swap of neighbours counts as one), or a prefix of at least two letters.
 */
export function closestFlag(given: string, flags: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replaceAll("_", "-");
  const g = norm(given);
  let best: { flag: string; d: number } | undefined;
  for (const flag of flags) {
    const f = norm(flag);
    const d = f === g ? 0 : g.length >= 2 && f.startsWith(g) ? 1 : editDistance(g, f);
    if (d <= Math.max(1, Math.floor(f.length / 3)) && (!best || d < best.d)) best = { flag, d };
  }
  return best?.flag;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** Parses a positive integer flag value, naming the flag when it is not one. */
export function intFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new UserError(`--${flag} expects a positive integer, got "${value}"`, EXIT_USAGE);
  }
  return n;
}
