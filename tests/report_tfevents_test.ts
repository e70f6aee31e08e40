/**
 * The TensorBoard event files: CRC32C against the standard check value, the round trip of
 * encoded events, every CRC checked on reading, and the run's event file holding every logged
 * loss and metric.
 */
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import {
  crc32c,
  encodeEvents,
  EventFileError,
  FILE_VERSION,
  parseEvents,
} from "../lib/report/tfevents.ts";
import { fixtureEval, writeFixtureSweep } from "../lib/report/_fixtures.ts";
import { EVENT_FILE, writeReport } from "../lib/report/report.ts";

Deno.test("crc32c() matches the CRC-32C check value", () => {
  assertEquals(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
});

Deno.test("parseEvents() reads back what encodeEvents() wrote", () => {
  const bytes = encodeEvents([
    { wallTime: 1700000000.25, step: 1, scalars: { "loss/G_A": 0.5, "loss/D_A": 1.25 } },
    { wallTime: 1700000001.5, step: 300, scalars: { "eval/AtoB/FID[x]": 3.5 } },
  ]);
  const ev = parseEvents(bytes);
  assertEquals(ev.length, 3);
  assertEquals(ev[0].fileVersion, FILE_VERSION);
  assertEquals(ev[1], {
    wallTime: 1700000000.25,
    step: 1,
    scalars: { "loss/G_A": 0.5, "loss/D_A": 1.25 },
  });
  assertEquals(ev[2].step, 300);
  assertEquals(ev[2].scalars, { "eval/AtoB/FID[x]": 3.5 });
});

Deno.test("parseEvents() rejects a flipped byte and a truncated file", () => {
  const bytes = encodeEvents([{ wallTime: 0, step: 1, scalars: { a: 1 } }]);
  for (const at of [3, 9, 20, bytes.length - 2]) {
    const bad = bytes.slice();
    bad[at] ^= 0x40;
    assertThrows(() => parseEvents(bad), EventFileError);
  }
  assertThrows(() => parseEvents(bytes.subarray(0, bytes.length - 1)), EventFileError);
});

Deno.test("the run's event file holds every logged loss and metric", async () => {
  const out = await Deno.makeTempDir();
  try {
    const [id] = await writeFixtureSweep(out, [
      { variant: "a", seed: 0, status: "completed", eval: fixtureEval(0) },
    ]);
    await writeReport(out, { grids: false });
    const ev = parseEvents(await Deno.readFile(`${out}/runs/${id}/${EVENT_FILE}`));
    assertEquals(ev.length, 1 + 4 + 1);
    assertEquals(ev.slice(1).map((e) => e.step), [1, 2, 3, 4, 4]);
    assertEquals(Object.keys(ev[1].scalars!).length, 9); // 8 losses + lr
    assertEquals(ev[1].scalars!["loss/cycle_A"], 3);
    const last = ev.at(-1)!.scalars!;
    assertEquals(last["eval/AtoB/FID[random-conv-s0]"], 3);
    assertEquals(Math.fround(0.02), last["eval/BtoA/class IoU"]);
    // Wall times from status.json: start + elapsed * step / total steps.
    assertEquals(ev[4].wallTime, Date.parse("2026-01-01T00:00:00.000Z") / 1000 + 10);
    assert(ev[1].wallTime < ev[2].wallTime);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
