/**
 * Tests that need something outside Deno (python3 with numpy or scipy, Chromium, cached npm
 * packages) run when it is there. When it is missing they fail under CI (`CI` set: `.ci/run`
 * exports it and installs them all), and elsewhere they are ignored with the reason in their
 * name (`... [skipped: no python3 with scipy.linalg ...] ... ignored`), so that no test passes
 * or vanishes without saying why.
 *
 * ```ts
 * const py = await findPython(["numpy"]);
 * Deno.test(needs(py.missing, { name: "x agrees with numpy", fn: () => run(py.path!) }));
 * ```
 * @module
 */

/** Whether this is a CI run (`CI` set and non-empty, as the other dependency-gated tests read it). */
export const IN_CI = Boolean(Deno.env.get("CI"));

/** The shape shared by `Deno.TestDefinition` and `Deno.TestStepDefinition`. */
interface Gated {
  name: string;
  ignore?: boolean;
  fn: (t: Deno.TestContext) => void | Promise<void>;
}

/**
 * `def` gated on a dependency: unchanged when `missing` is undefined (it is there); else, under
 * CI, a test that fails saying what is missing; elsewhere, ignored with `missing` in its name.
 */
export function needs<T extends Gated>(missing: string | undefined, def: T): T {
  if (missing === undefined) return def;
  if (IN_CI) {
    return {
      ...def,
      fn: () => {
        throw new Error(`${missing}; CI must have it (.ci/run installs it)`);
      },
    };
  }
  return { ...def, name: `${def.name} [skipped: ${missing}]`, ignore: true };
}

/**
 * Interpreters tried, in order: Debian's, where apt's python3-numpy and python3-scipy install
 * (`.ci/run`), then the PATH's (which may be a pyenv shim without them).
 */
const PYTHONS = ["/usr/bin/python3", "python3"];

/** A python3 that imports every module asked for (`path`), or why there is none (`missing`). */
export interface Python {
  path?: string;
  missing?: string;
}

/** The first of /usr/bin/python3 and PATH's python3 that imports all of `modules`. */
export async function findPython(modules: readonly string[]): Promise<Python> {
  const tried: string[] = [];
  for (const path of PYTHONS) {
    try {
      const r = await new Deno.Command(path, {
        args: ["-c", `import ${modules.join(", ")}`],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      if (r.success) return { path };
      const why = new TextDecoder().decode(r.stderr).trim().split("\n").pop();
      tried.push(`${path}: ${why}`);
    } catch {
      tried.push(`${path}: not found`);
    }
  }
  return {
    missing: `no python3 imports ${modules.join(", ")} (${tried.join("; ")}; ` +
      `apt-get install python3-numpy python3-scipy)`,
  };
}
