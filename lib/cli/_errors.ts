/**
 * Errors a user can fix (bad flag, missing package, bad file) and the one place that turns them
 * into a short message and an exit code instead of a stack trace.
 * @module
 */

/** An error caused by the user's input or environment; printed without a stack trace. */
export class UserError extends Error {
  /** Process exit code used when this error ends a command (2 = bad usage, 1 = other). */
  readonly exitCode: number;
  /**
   * Makes the error.
   * @param message What could not be done, the offending value, and what was expected.
   * @param exitCode Exit code for the command (default 1).
   */
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "UserError";
    this.exitCode = exitCode;
  }
}

/**
 * Runs a command's main function: a {@link UserError} prints `error: <message>` on stderr and
 * exits with its code; anything else is a bug and keeps its stack trace.
 */
export async function runMain(main: () => Promise<number | void>): Promise<void> {
  try {
    const code = await main();
    Deno.exit(code ?? 0);
  } catch (e) {
    if (e instanceof UserError) {
      console.error(`error: ${e.message}`);
      Deno.exit(e.exitCode);
    }
    throw e;
  }
}
