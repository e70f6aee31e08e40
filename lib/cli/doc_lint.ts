/**
 * `deno task doclint`: `deno doc --lint mod.ts`, keeping only the diagnostics about this
 * project's files. The public API re-exports a few tfjs and zod types (tensors, the optimizer,
 * option schemas) so that its signatures are documented, and `deno doc --lint` then also reports
 * missing JSDoc inside those packages' declaration files, which are not ours to fix.
 * Exits 1 when any diagnostic about our files remains.
 * @module
 */
const out = await new Deno.Command(Deno.execPath(), {
  args: ["doc", "--lint", "mod.ts"],
  env: { NO_COLOR: "1" },
  stdout: "piped",
  stderr: "piped",
}).output();
const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
// Diagnostics are blocks that start with "error[" or "warning[" and name a file on a "-->" line.
const blocks = text.split(/\n(?=(?:error|warning)\[)/).filter((b) => /^(error|warning)\[/.test(b));
const root = new URL("../../", import.meta.url).pathname;
const ours = blocks.filter((b) => {
  const file = /-->\s+(\S+?):\d+:\d+/.exec(b)?.[1] ?? "";
  return file.startsWith(root) && !file.includes("/node_modules/");
});
for (const b of ours) console.error(b.trimEnd() + "\n");
console.error(
  `doc lint: ${ours.length} problem(s) in this project's files` +
    ` (${blocks.length - ours.length} in dependencies' declaration files ignored)`,
);
Deno.exit(ours.length > 0 ? 1 : 0);
