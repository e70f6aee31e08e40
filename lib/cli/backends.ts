/**
 * `deno task backends [--backend NAME] [--json]`: which backends can run here and why, and what
 * `auto` picks and why; or activate one and print what `auto` (or the named backend) resolves
 * to: version, device, threads.
 * @module
 */
import {
  BACKEND_NAMES,
  BACKENDS,
  describeBackend,
  isBackendChoice,
  resolveAuto,
  selectBackend,
} from "../backend/mod.ts";
import { BackendUnavailableError } from "../backend/types.ts";
import { runMain, UserError } from "./_errors.ts";
import { HELP_FLAG, helpText, parseCli } from "./_flags.ts";

const CLI = {
  usage: `usage: deno task backends [--backend auto|${BACKEND_NAMES.join("|")}] [--json]`,
  flags: {
    backend: {
      type: "string",
      arg: "NAME",
      expects: `one of auto, ${BACKEND_NAMES.join(", ")}`,
      doc: "start this backend and print its version, device and threads (exit 1 if it cannot)",
    },
    json: { type: "boolean", default: false, doc: "print JSON instead of text" },
    help: HELP_FLAG,
  },
} as const;

async function main(): Promise<number> {
  const { values } = parseCli(Deno.args, CLI);
  if (values.help) {
    console.log(helpText(CLI));
    return 0;
  }
  if (values.backend === undefined) {
    const rows = [];
    for (const name of BACKEND_NAMES) {
      const p = await BACKENDS[name].probe();
      rows.push({ name, available: p.ok, detail: p.ok ? p.detail : p.why });
    }
    if (values.json) console.log(JSON.stringify(rows));
    else {
      for (const r of rows) {
        console.log(`${r.available ? "yes" : "no "}  ${r.name.padEnd(10)} ${r.detail}`);
      }
      // The JSON stays the list of rows (its shape is what scripts read); text says the pick.
      const auto = await resolveAuto();
      console.log(`auto picks ${auto.name}: ${auto.reason.replace(/^auto: /, "")}`);
    }
    return 0;
  }
  if (!isBackendChoice(values.backend)) {
    throw new UserError(
      `--backend "${values.backend}" is not a backend; expected one of auto, ${
        BACKEND_NAMES.join(", ")
      }`,
      2,
    );
  }
  try {
    const active = await selectBackend(values.backend);
    console.log(values.json ? JSON.stringify(active) : describeBackend(active));
  } catch (e) {
    if (e instanceof BackendUnavailableError) throw new UserError(e.message, 1);
    throw e;
  }
  return 0;
}

if (import.meta.main) await runMain(main);
