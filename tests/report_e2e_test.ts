/**
 * The report end to end on one real tiny run (ablations/smoke.yaml, one run of 2 iterations,
 * evaluated after iteration 1 and at the end): `deno task report DIR` writes every output; the
 * run grid has the official headers drawn in its pixels and the expected size; the page shows
 * the grid of the periodic evaluation and a metric curve through both evaluations; a second
 * invocation gives the same bytes; `--open` prints
 * index.html's path; a bad DIR is one line and exit 2; the page loads in headless Chromium
 * without console errors (without Chromium: a failure under CI, elsewhere an ignored step that
 * says why).
 */
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { decodePng } from "../lib/data/png.ts";
import { Canvas, textWidth } from "../lib/viz/font.ts";
import { EVENT_FILE, GRID_FILE } from "../lib/report/report.ts";
import { parseEvents } from "../lib/report/tfevents.ts";
import { runVisuals } from "../lib/report/grids.ts";
import { MIN_CELL } from "../lib/viz/grids.ts";
import { readRuns } from "../lib/report/runs.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { tf } from "../lib/tf.ts";
import { needs } from "./_deps.ts";

const ROOT = new URL("../", import.meta.url).pathname;

async function deno(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}deno.json`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = `${prefix}${e.name}`;
    if (e.isDirectory) out.push(...await listFiles(`${dir}/${e.name}`, `${p}/`));
    else out.push(p);
  }
  return out.sort();
}

function findChromium(): string | undefined {
  for (const p of ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]) {
    try {
      Deno.statSync(p);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

Deno.test({
  name: "deno task report writes every output of a real tiny sweep, byte-identically",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const out = await Deno.makeTempDir({ prefix: "report_e2e_" });
    try {
      const sweep = await deno([
        "lib/cli/ablate.ts",
        "ablations/smoke.yaml",
        "--out",
        out,
        "--only",
        "resnet_6blocks,gan_mode=lsgan,idt=0.5,pool=2",
        "--jobs",
        "1",
      ]);
      assertEquals(sweep.code, 0, sweep.out + sweep.err);
      const [runId] = [...Deno.readDirSync(`${out}/runs`)].map((e) => e.name);

      const first = await deno(["lib/cli/report.ts", out, "--open"]);
      assertEquals(first.code, 0, first.err);
      const lines = first.out.trim().split("\n");
      assertEquals(lines.at(-1), await Deno.realPath(`${out}/index.html`));
      for (const f of ["summary.csv", "runs.csv", "summary.json", "summary.md", "comparison.png"]) {
        assert((await Deno.stat(`${out}/${f}`)).isFile, f);
      }
      // summary.csv: the statistics per variant x metric; runs.csv: one row per run.
      const csv = await Deno.readTextFile(`${out}/summary.csv`);
      assertMatch(csv, /AtoB FID\[scenes-net\]/);
      assertMatch(csv, /floor: untrained G \(step 0\)/);
      const runsCsv = await Deno.readTextFile(`${out}/runs.csv`);
      assert(runsCsv.includes(runId), runsCsv);

      // The run grid: 2 test images x (A block + B block), 4 columns (identity is on).
      const grid = await decodePng(await Deno.readFile(`${out}/runs/${runId}/images/${GRID_FILE}`));
      const cell = MIN_CELL; // 32 px images enlarged twice
      assertEquals(grid.width, 2 + 4 * (cell + 6) - 6 + 2);
      const headerH = 9;
      assertEquals(grid.height, 2 + 2 * (headerH + 2 * (cell + 2) + 2));
      // The headers are drawn in the pixels: compare each label with the font's rendering.
      const blocks = [["real_A", "fake_B", "rec_A", "idt_B"], [
        "real_B",
        "fake_A",
        "rec_B",
        "idt_A",
      ]];
      const blockTop = [2, 2 + headerH + 2 * (cell + 2) + 2];
      blocks.forEach((labels, b) => {
        labels.forEach((label, c) => {
          const x0 = 2 + c * (cell + 6);
          const expect = new Canvas(textWidth(label), 7);
          expect.text(label, 0, 0);
          for (let y = 0; y < 7; y++) {
            for (let x = 0; x < textWidth(label); x++) {
              const g = grid.data[((blockTop[b] + 1 + y) * grid.width + x0 + x) * grid.channels];
              assertEquals(g, expect.data[(y * expect.width + x) * 3], `${label} at ${x},${y}`);
            }
          }
        });
      });

      const ev = parseEvents(await Deno.readFile(`${out}/runs/${runId}/${EVENT_FILE}`));
      assert(ev.some((e) => e.scalars && "loss/G_A" in e.scalars));
      assert(ev.some((e) => e.scalars && "eval/AtoB/FID[scenes-net]" in e.scalars));

      const html = await Deno.readTextFile(`${out}/index.html`);
      assert(html.includes(runId.replaceAll("&", "&amp;")));
      assert(!/https?:\/\//.test(html.replaceAll(`xmlns="http://www.w3.org/2000/svg"`, "")));

      // Every image the page shows is a relative path to a file of the sweep directory.
      const srcs = [...html.matchAll(/src="([^"]+)"/g)].map((m) => decodeURIComponent(m[1]));
      // The comparison grid, the grid of the evaluation at step 1 (eval.every: 1), the final one.
      assertEquals(srcs.length, 3, srcs.join(" "));
      assertEquals(srcs[1], `runs/${runId}/images/step_00000001.png`);
      assertEquals(srcs[2], `runs/${runId}/images/${GRID_FILE}`);
      const stepGrid = await decodePng(await Deno.readFile(`${out}/${srcs[1]}`));
      assertEquals([stepGrid.width, stepGrid.height], [grid.width, grid.height]);
      // A metric-over-training curve: a line through the evaluations of steps 1 and 2.
      const curves = html.slice(
        html.indexOf("Metrics over training"),
        html.indexOf("<h2>Runs</h2>"),
      );
      assertMatch(curves, /<polyline [^>]*points="[\d.]+,[\d.]+ [\d.]+,[\d.]+"\/>/);
      for (const src of srcs) {
        assert(!src.startsWith("/") && !src.includes(":"), src);
        assert((await Deno.stat(`${out}/${src}`)).isFile, src);
      }

      const files = await listFiles(out);
      const snapshot = await Promise.all(files.map((f) => Deno.readFile(`${out}/${f}`)));
      const again = await deno(["lib/cli/report.ts", out]);
      assertEquals(again.code, 0, again.err);
      assertEquals(await listFiles(out), files);
      for (let i = 0; i < files.length; i++) {
        assertEquals(await Deno.readFile(`${out}/${files[i]}`), snapshot[i], `${files[i]} changed`);
      }

      await t.step("runVisuals() leaves no tensors behind", async () => {
        await selectBackend("cpu");
        const [run] = await readRuns(out);
        const before = tf.memory().numTensors;
        const v = await runVisuals(run);
        assertEquals(tf.memory().numTensors, before);
        assertEquals(v!.A.map((c) => c.name), ["real_A", "fake_B", "rec_A", "idt_B"]);
        assertEquals(v!.B.map((c) => c.name), ["real_B", "fake_A", "rec_B", "idt_A"]);
        assertEquals(v!.A[0].images.length, 2);
      });

      await t.step("a bad DIR is one line and exit code 2", async () => {
        const bad = await deno(["lib/cli/report.ts", `${out}/nope`]);
        assertEquals(bad.code, 2);
        assertEquals(bad.err.trim().split("\n").length, 1, bad.err);
        assertMatch(bad.err, /^error: .*nope.* is not a sweep directory/);
      });

      const chromium = findChromium();
      const noChromium = chromium ? undefined : "no chromium found (apt-get install -y chromium)";
      await t.step(needs(noChromium, {
        name: "the page loads in headless Chromium without console errors",
        fn: async () => {
          const profile = await Deno.makeTempDir({ prefix: "report_chromium_" });
          try {
            const shot = `${out}/screenshot.png`;
            const r = await new Deno.Command(chromium!, {
              args: [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                `--user-data-dir=${profile}`,
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1400,2000",
                `--screenshot=${shot}`,
                `file://${await Deno.realPath(`${out}/index.html`)}`,
              ],
              stdout: "piped",
              stderr: "piped",
            }).output();
            const log = new TextDecoder().decode(r.stderr);
            assertEquals(r.code, 0, log);
            // The page has no script: any console message (Chromium logs them as CONSOLE) is a problem.
            const consoleErrors = log.split("\n").filter((l) =>
              /:CONSOLE[(:]/.test(l) || /Failed to load resource/.test(l)
            );
            assertEquals(consoleErrors, [], log);
            const png = await decodePng(await Deno.readFile(shot));
            assertEquals([png.width, png.height], [1400, 2000]);
            await Deno.remove(shot);
          } finally {
            await Deno.remove(profile, { recursive: true });
          }
        },
      }));
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
