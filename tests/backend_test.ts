import { assert, assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import {
  BACKEND_NAMES,
  BACKENDS,
  BackendUnavailableError,
  isBackendChoice,
  resolveAuto,
  selectBackend,
} from "../lib/backend/mod.ts";
import { tf } from "../lib/tf.ts";

Deno.test("BACKENDS has one entry per --backend name", () => {
  assertEquals(Object.keys(BACKENDS).sort(), [...BACKEND_NAMES].sort());
  for (const name of BACKEND_NAMES) assertEquals(BACKENDS[name].name, name);
  assert(isBackendChoice("auto"));
  assert(!isBackendChoice("webgl"));
});

Deno.test("selectBackend() activates cpu and wasm and says why", async () => {
  for (const name of ["cpu", "wasm"] as const) {
    const active = await selectBackend(name);
    assertEquals(active.name, name);
    assertEquals(tf.getBackend(), name);
    assertEquals(active.reason, "requested");
    assertMatch(active.version, /4\.22\.0/);
    assertEquals(active.convGradients, "cyclebench");
  }
});

Deno.test("selectBackend('tensorflow') without tfjs-node fails with an install hint", async () => {
  const err = await assertRejects(() => selectBackend("tensorflow"), BackendUnavailableError);
  assertMatch(err.message, /not installed/);
  assertMatch(err.message, /deno install .*--allow-scripts=npm:@tensorflow\/tfjs-node-gpu/);
});

Deno.test("resolveAuto() picks native where oneDNN opens, else wasm, without tfjs-node or a real GPU", async () => {
  const gpu = await BACKENDS.webgpu.probe();
  const tfn = await BACKENDS.tensorflow.probe();
  const dnnl = await BACKENDS.native.probe();
  const auto = await resolveAuto();
  if (!tfn.ok && !(gpu.ok && gpu.realGpu)) {
    assertEquals(auto.name, dnnl.ok ? "native" : "wasm", auto.reason);
    assertMatch(auto.reason, /tensorflow: .*; webgpu: /);
    if (!dnnl.ok) assertMatch(auto.reason, /native: /);
  } else {
    assert(auto.name !== "wasm", auto.reason);
  }
});

async function cli(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../lib/cli/backends.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("backends CLI: missing tensorflow is one clear line, no stack trace", async () => {
  const r = await cli("--backend", "tensorflow");
  assertEquals(r.code, 1);
  assertMatch(r.stderr, /^error: backend "tensorflow" is not installed: .*deno install/m);
  assert(!/\n\s+at /.test(r.stderr), `stack trace in: ${r.stderr}`);
});

Deno.test("backends CLI: an unknown backend or flag exits 2 naming it", async () => {
  const bad = await cli("--backend", "webgl");
  assertEquals(bad.code, 2);
  assertMatch(bad.stderr, /--backend "webgl" is not a backend; expected one of auto, tensorflow/);
  const flag = await cli("--bakend", "wasm");
  assertEquals(flag.code, 2);
  assertMatch(flag.stderr, /--bakend/);
});

Deno.test("backends CLI lists every backend with its availability", async () => {
  const r = await cli("--json");
  assertEquals(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { name: string; available: boolean }[];
  assertEquals(rows.map((x) => x.name), [...BACKEND_NAMES]);
  assertEquals(rows.find((x) => x.name === "wasm")?.available, true);
});
