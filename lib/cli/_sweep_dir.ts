/**
 * The one positional argument of the commands that read a sweep directory (`runs`, `clean`):
 * checked to be a sweep directory before anything is read or removed.
 * @module
 */
import { exists, joinPath } from "../io/atomic.ts";
import { UserError } from "./_errors.ts";

/**
 * The sweep directory named by `positionals` (exactly one), or a usage error (exit 2) saying
 * what was expected; `consequence` ends the not-a-sweep message (`nothing removed`).
 */
export async function sweepDirArg(
  positionals: readonly string[],
  usage: string,
  consequence = "",
): Promise<string> {
  if (positionals.length !== 1) {
    throw new UserError(`expected one sweep directory, got ${positionals.length}; ${usage}`, 2);
  }
  const dir = positionals[0];
  if (!(await exists(joinPath(dir, "runs"))) && !(await exists(joinPath(dir, "sweep.json")))) {
    throw new UserError(
      `"${dir}" is not a sweep directory: expected a folder with sweep.json or a runs/ ` +
        `subfolder${consequence ? `; ${consequence}` : ""}`,
      2,
    );
  }
  return dir;
}
