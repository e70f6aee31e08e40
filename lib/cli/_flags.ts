/**
 * Command-line flag parsing helpers shared by the `deno task` commands.
 * @module
 */
import { UserError } from "./_errors.ts";

/**
 * Runs a `node:util` `parseArgs` call and turns its errors (unknown flag, missing value) into a
 * {@link UserError} with exit code 2 that names the flag.
 */
export function parseFlags<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    const err = e as Error & { code?: string };
    if (typeof err.code === "string" && err.code.startsWith("ERR_PARSE_ARGS")) {
      throw new UserError(err.message.split("\n")[0], 2);
    }
    throw e;
  }
}

/** Parses a positive integer flag value, naming the flag when it is not one. */
export function intFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(`--${flag} "${value}" is not a positive integer`, 2);
  }
  return n;
}
