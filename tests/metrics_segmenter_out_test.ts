/**
 * Where lib/metrics/segmenter_train.ts writes: a fresh folder by default, the committed weights
 * only with --replace-committed. The training itself (7-10 min) is not run here.
 */
import { assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { UserError } from "../lib/cli/_errors.ts";
import { COMMITTED_WEIGHTS_DIR, resolveSegmenterOut } from "../lib/metrics/segmenter_train.ts";

const root = new URL("..", import.meta.url).pathname;

Deno.test("resolveSegmenterOut() writes to a fresh folder by default and to the committed weights only with replaceCommitted", async () => {
  const base = "scenes-fcn-v1";
  assertEquals(
    await resolveSegmenterOut({ base, now: new Date(Date.UTC(2026, 11, 7, 18, 30, 5, 123)) }),
    "results/segmenter/scenes-fcn-v1-20261207T183005Z",
  );
  assertEquals(await resolveSegmenterOut({ base, replaceCommitted: true }), COMMITTED_WEIGHTS_DIR);
  assertEquals(
    await resolveSegmenterOut({ base, replaceCommitted: true, out: `${root}lib/metrics/weights/` }),
    COMMITTED_WEIGHTS_DIR,
  );
  const refused = async (o: Parameters<typeof resolveSegmenterOut>[0], re: RegExp) => {
    const e = await assertRejects(() => resolveSegmenterOut(o), UserError);
    assertEquals(e.exitCode, 2);
    assertMatch(e.message, re);
  };
  // The committed folder, however it is spelled, needs the flag.
  await refused({ base, out: `${root}lib/metrics/weights` }, /is the committed weights folder/);
  await refused(
    { base, out: `${root}lib/metrics/../metrics/weights/` },
    /pass --replace-committed \(without --out\)/,
  );
  await refused({ base, out: "/tmp/elsewhere", replaceCommitted: true }, /does not go with --out/);

  const dir = await Deno.makeTempDir({ prefix: "cyclebench_segout_" });
  try {
    assertEquals(await resolveSegmenterOut({ base, out: dir }), dir);
    await Deno.writeFile(`${dir}/${base}.bin`, new Uint8Array(4));
    await refused({ base, out: dir }, /already holds scenes-fcn-v1\.bin; choose a new folder/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segmenter_train.ts refuses the committed folder before training, in one line", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      `${root}deno.json`,
      `${root}lib/metrics/segmenter_train.ts`,
      "--out",
      "lib/metrics/weights",
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr).trim();
  assertEquals(out.code, 2, err);
  assertMatch(err, /^error: --out "lib\/metrics\/weights" is the committed weights folder/);
  assertEquals(err.split("\n").length, 1);
});
