/**
 * `deno task data` end to end (spawned with Deno.Command): list, export of `scenes` in the
 * folder layout, check of a good and a broken folder, and one-line errors with exit code 2.
 */
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { decodePng, encodePngPixels } from "../lib/data/png.ts";

const CLI = new URL("../lib/cli/data.ts", import.meta.url).pathname;

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("data list --json shows every dataset with sizes, licence and options", async () => {
  const r = await run("list", "--json");
  assertEquals(r.code, 0, r.stderr);
  const { datasets } = JSON.parse(r.stdout);
  assertEquals(datasets.map((d: { name: string }) => d.name), ["folder", "scenes", "emoji"]);
  for (const d of datasets) assert(d.licence && d.sizes && d.summary, JSON.stringify(d));
  const scenes = datasets[1];
  assertEquals(scenes.options.size.default, 64);
  assert(scenes.exportable && !datasets[0].exportable);
  assertEquals(datasets[0].options.dataroot.default, "(required)");
});

Deno.test("data export scenes writes the folder layout; data check accepts it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_cli_" });
  try {
    const out = `${dir}/scenes32`;
    const r = await run("export", "scenes", "--out", out, "--size", "32", "--count", "5", "--json");
    assertEquals(r.code, 0, r.stderr);
    const meta = JSON.parse(r.stdout);
    assertEquals(meta.counts, { trainA: 5, trainB: 5, testA: 1, testB: 1 });
    assertEquals(meta.classes.length, 10);
    const names = (f: string) => [...Deno.readDirSync(`${out}/${f}`)].map((e) => e.name).sort();
    assertEquals(names("trainA").length, 5);
    assertEquals(names("testA"), names("testB"));
    assert(names("trainA").every((n) => !names("trainB").includes(n)), "train names overlap");
    const img = await decodePng(await Deno.readFile(`${out}/trainB/${names("trainB")[0]}`));
    assertEquals([img.width, img.height], [32, 32]);
    assertEquals(JSON.parse(await Deno.readTextFile(`${out}/dataset.json`)).options.size, 32);
    const examples = await decodePng(await Deno.readFile(`${out}/examples.png`));
    assertEquals([examples.width, examples.height], [32, 64]); // 1 test pair: A above B

    const ok = await run("check", out, "--preprocess", "crop", "--crop_size", "32", "--json");
    assertEquals(ok.code, 0, ok.stdout + ok.stderr);
    const report = JSON.parse(ok.stdout);
    assert(report.ok);
    assertEquals(report.folders.trainA.sizes, { "32x32": 5 });
    assertEquals(report.pairing.test, { pairs: 1, paired: true });

    // Not over a non-empty folder without --force.
    const again = await run("export", "scenes", "--out", out, "--count", "1");
    assertEquals(again.code, 2);
    assertMatch(again.stderr, /^error: --out ".*scenes32" is not empty/);

    // A broken file and a missing domain: exit 1, problems named.
    await Deno.writeFile(
      `${out}/trainA/zz.png`,
      await encodePngPixels({
        width: 2,
        height: 2,
        channels: 3,
        data: new Uint8Array(12),
      }).then((b) => b.slice(0, 40)),
    );
    await Deno.remove(`${out}/trainB`, { recursive: true });
    const bad = await run("check", out);
    assertEquals(bad.code, 1);
    assertMatch(bad.stdout, /NOT usable/);
    assertMatch(bad.stdout, /zz\.png/);
    assertMatch(bad.stdout, /no trainB\/ folder/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data: bad flags, values and paths print one line and exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["check", "/nonexistent/cyclebench"], /folder "\/nonexistent\/cyclebench" does not exist/],
    [["export", "scenes", "--out", "/tmp/x", "--size", "300"], /--size: Too big/],
    [
      ["export", "scenes", "--out", "/tmp/x", "--count=-3"],
      /--count expects a positive integer, got "-3"/,
    ],
    [
      ["export", "nope", "--out", "/tmp/x"],
      /unknown dataset "nope"; expected one of scenes, emoji/,
    ],
    [["export", "scenes"], /export needs --out DIR/],
    [["list", "--size", "3"], /flag --size does not apply to "list"/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["check", "--preprocess", "zoom", "."], /--preprocess "zoom" is not a mode/],
  ];
  for (const [args, re] of cases) {
    const r = await run(...args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assertEquals(lines.length, 1, r.stderr);
    assertMatch(lines[0], re);
  }
});
