/**
 * Runs one of the project's scripts as `deno task` does (`deno run -A <script>`, from the repo
 * root), for the CLI tests: exit code and both outputs.
 */

/** The repository root. */
export const ROOT: string = new URL("../", import.meta.url).pathname;

/** What {@link runScript} returns. */
export interface ScriptOutput {
  /** Exit code. */
  code: number;
  /** Everything on stdout. */
  stdout: string;
  /** Everything on stderr. */
  stderr: string;
}

/** Runs `deno run -A ROOT/<script> ...args` in the repo root. */
export async function runScript(script: string, ...args: string[]): Promise<ScriptOutput> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}${script}`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
