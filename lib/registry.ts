/**
 * What every typed registry (`netG`, `netD`, `gan_mode`, `dataset`, ...) does the same way:
 * look an entry up by name, and resolve a variant's options through its zod schema, with
 * every problem named at once.
 * @module
 */
import type { z } from "zod";

/**
 * The entry `name` of `registry`, or a RangeError listing the valid names.
 *
 * ```ts
 * lookup({ a: 1, b: 2 }, "netX", "a"); // 1
 * ```
 */
export function lookup<T>(registry: Readonly<Record<string, T>>, kind: string, name: string): T {
  if (!Object.hasOwn(registry, name)) {
    throw new RangeError(
      `unknown ${kind} "${name}"; expected one of ${Object.keys(registry).join(", ")}`,
    );
  }
  return registry[name];
}

/**
 * Parses `options` with a variant's schema: defaults filled in; unknown keys and bad values
 * are one RangeError naming each option (`netG resnet_9blocks: ngf: ...; unknown option(s) x`).
 */
export function parseOptions<O>(schema: z.ZodType<O>, label: string, options: unknown): O {
  const r = schema.safeParse(options);
  if (r.success) return r.data;
  throw new RangeError(`${label}: ${describeIssues(r.error)}`);
}

/**
 * A zod error as one line: each problem named by its option (`ngf: Too small ...`), unknown
 * keys listed, joined with "; ".
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) =>
    i.code === "unrecognized_keys"
      ? `unknown option(s) ${i.keys.join(", ")}`
      : `${i.path.join(".") || "options"}: ${i.message}`
  ).join("; ");
}
