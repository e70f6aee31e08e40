/**
 * `deno task backends [--backend NAME] [--json]`: which backends can run here and why, or
 * activate one and print what `auto` (or the named backend) resolves to.
 * @module
 */
import { parseArgs } from "node:util";
import {
  BACKEND_NAMES,
  BACKENDS,
  describeBackend,
  isBackendChoice,
  selectBackend,
} from "../backend/mod.ts";
import { BackendUnavailableError } from "../backend/types.ts";
import { runMain, UserError } from "./_errors.ts";
import { parseFlags } from "./_flags.ts";

async function main(): Promise<number> {
  const { values } = parseFlags(() =>
    parseArgs({
      args: Deno.args,
      options: { backend: { type: "string" }, json: { type: "boolean", default: false } },
      strict: true,
      allowPositionals: false,
    })
  );
  if (values.backend === undefined) {
    const rows = [];
    for (const name of BACKEND_NAMES) {
      const p = await BACKENDS[name].probe();
      rows.push({ name, available: p.ok, detail: p.ok ? p.detail : p.why });
    }
    if (values.json) console.log(JSON.stringify(rows));
    else {for (const r of rows) {
        console.log(`${r.available ? "yes" : "no "}  ${r.name.padEnd(10)} ${r.detail}`);
      }}
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
