import { assert, assertAlmostEquals, assertEquals, assertMatch } from "./_assert.ts";
import { encodePng } from "../lib/data/io.ts";
import { generateScene } from "../lib/data/scenes.ts";
import { featureMatrix } from "../lib/metrics/features.ts";
import { fidOfFeatures } from "../lib/metrics/fid.ts";
import { encodeNpy } from "../lib/metrics/npy.ts";
import { Rng } from "../lib/nn/rng.ts";

const CLI = new URL("../lib/cli/metrics.ts", import.meta.url).pathname;

interface Run {
  code: number;
  json: Record<string, unknown> | undefined;
  stderr: string;
}

async function metrics(...args: string[]): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  return {
    code: out.code,
    json: stdout ? JSON.parse(stdout) : undefined,
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** One line `error: ...`, no stack trace, the given exit code, nothing on stdout. */
function assertFails(r: Run, code: number, pattern: RegExp): void {
  assertEquals(r.code, code, r.stderr);
  assertEquals(r.json, undefined);
  // One error line (a usage error may follow it with the usage and a pointer to --help).
  const errors = r.stderr.trim().split("\n").filter((l) => l.startsWith("error: "));
  assertEquals(errors.length, 1, r.stderr);
  assertMatch(errors[0], pattern);
  assert(!/^\s+at /m.test(r.stderr), `no stack trace:\n${r.stderr}`);
}

async function writeScenes(dir: string, first: number, count: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const scene = generateScene(0, first + i, 32);
    await Deno.writeFile(`${dir}/s${i}.png`, await encodePng(scene.photo!));
  }
}

const root = await Deno.makeTempDir({ prefix: "cyclebench_cli_" });
const A = `${root}/A`, B = `${root}/B`, COPY = `${root}/A_copy`, CACHE = `${root}/cache`;
await writeScenes(A, 0, 6);
await writeScenes(B, 100, 6);
await Deno.mkdir(COPY);
for (const e of Deno.readDirSync(A)) Deno.copyFileSync(`${A}/${e.name}`, `${COPY}/${e.name}`);

Deno.test({
  name: "metrics fid/kid/fd/paired: JSON on stdout, summary on stderr, cached features",
  sanitizeResources: false,
  async fn() {
    const fid = await metrics("fid", A, B, "--cache", CACHE, "--backend", "wasm");
    assertEquals(fid.code, 0, fid.stderr);
    assertEquals(fid.json!.label, "FID[random-conv-s0]");
    assertEquals([fid.json!.n_a, fid.json!.n_b, fid.json!.dims], [6, 6, 480]);
    assert((fid.json!.value as number) > 0);
    assertMatch(fid.stderr, /FID\[random-conv-s0\] = \d/);
    assertMatch(fid.stderr, /warning: sets A and B have N = 6 and 6 samples < D = 480/);

    const same = await metrics("fid", A, COPY, "--cache", CACHE, "--backend", "wasm");
    assertEquals(same.code, 0, same.stderr);
    assertAlmostEquals(same.json!.value as number, 0, 1e-9);
    assertMatch(same.stderr, /features of ".*A": 6 images, from the cache/);

    const kid = await metrics("kid", A, B, "--cache", CACHE, "--subsets", "5", "--seed", "3");
    assertEquals(kid.code, 0, kid.stderr);
    assertEquals(kid.json!.label, "KID[random-conv-s0]");
    // Default subsets of floor(6 / 2) = 3 images, so the std is a spread over subsets.
    assertEquals([kid.json!.subsets, kid.json!.subset_size, kid.json!.seed], [5, 3, 3]);
    assertEquals([kid.json!.n_a, kid.json!.n_b, kid.json!.warnings], [6, 6, []]);
    assert((kid.json!.std as number) > 0, `std ${kid.json!.std} is a spread`);
    assertMatch(
      kid.stderr,
      /KID\[random-conv-s0\] = \S+ ± \S+ \(std over 5 subsets of 3 per set, seed 3;/,
    );
    const whole = await metrics("kid", A, B, "--cache", CACHE, "--subset-size", "10");
    assertEquals(whole.code, 0, whole.stderr);
    assertEquals([whole.json!.subsets, whole.json!.subset_size], [100, 6]);
    assertMatch(whole.stderr, /warning: subset size lowered from 10 to 6/);
    assertMatch(whole.stderr, /warning: every subset is the whole of both sets/);

    const rng = new Rng(1);
    const fa = featureMatrix(rng.fillNormal(40 * 6), 40, 6);
    const fb = featureMatrix(Float64Array.from(rng.fillNormal(30 * 6, 0.5)), 30, 6);
    await Deno.writeFile(`${root}/a.npy`, encodeNpy(fa));
    await Deno.writeFile(`${root}/b.npy`, encodeNpy(fb, { dtype: ">f8" }));
    const fd = await metrics("fd", `${root}/a.npy`, `${root}/b.npy`);
    assertEquals(fd.code, 0, fd.stderr);
    assertEquals(fd.json!.value, fidOfFeatures(fa, fb).fid);
    assertEquals([fd.json!.n_a, fd.json!.n_b, fd.json!.dims], [40, 30, 6]);

    const paired = await metrics("paired", A, COPY);
    assertEquals(paired.code, 0, paired.stderr);
    assertEquals([paired.json!.n, paired.json!.l1, paired.json!.psnr], [6, 0, null]);
    assertEquals(paired.json!.ssim, 1);
    assertMatch(paired.stderr, /PSNR is infinite/);
  },
});

Deno.test({
  name: "metrics: bad input is one clear error line and a non-zero exit",
  sanitizeResources: false,
  async fn() {
    const lone = `${root}/lone`, broken = `${root}/broken`, three = `${root}/three`;
    await writeScenes(lone, 200, 1);
    await writeScenes(three, 400, 3);
    await writeScenes(broken, 300, 4);
    await Deno.writeFile(`${broken}/zz.png`, new TextEncoder().encode("not a png at all"));
    const rng = new Rng(2);
    await Deno.writeFile(`${root}/d3.npy`, encodeNpy(featureMatrix(rng.fillNormal(12), 4, 3)));
    await Deno.writeFile(`${root}/d4.npy`, encodeNpy(featureMatrix(rng.fillNormal(12), 3, 4)));
    const nan = rng.fillNormal(12);
    nan[5] = NaN;
    await Deno.writeFile(`${root}/nan.npy`, encodeNpy(featureMatrix(nan, 4, 3)));

    assertFails(await metrics("fid", A, lone), 1, /"[^"]*lone" has 1 image; at least 2/);
    assertFails(
      await metrics("kid", A, three, "--no-cache"),
      1,
      /"[^"]*three" has 3 images; at least 4 are needed for KID's default subsets .*--subset-size/,
    );
    assertFails(await metrics("kid", A, B, "--subset-size", "1"), 2, /--subset-size "1"/);
    assertFails(await metrics("fid", A, `${root}/missing`), 1, /missing/);
    assertFails(
      await metrics("kid", A, broken, "--no-cache", "--backend", "wasm"),
      2,
      /cannot read image ".*zz.png"/,
    );
    assertFails(
      await metrics("fd", `${root}/d3.npy`, `${root}/d4.npy`),
      1,
      /feature dimensions differ/,
    );
    assertFails(await metrics("fd", `${root}/d3.npy`, `${root}/nan.npy`), 1, /non-finite feature/);
    assertFails(await metrics("fd", `${root}/d3.npy`, `${root}/A`), 1, /cannot read/);
    assertFails(await metrics("fid", A, B, "--frobnicate"), 2, /frobnicate/);
    assertFails(await metrics("fid", A, B, "--extractor", "vgg"), 2, /not an extractor/);
    assertFails(
      await metrics("fid", A, B, "--batch", "0"),
      2,
      /--batch expects a positive integer, got "0"/,
    );
    assertFails(await metrics("fd", "x.npy", "y.npy", "--seed", "1"), 2, /--seed does not apply/);
    assertFails(await metrics("fidd", A, B), 2, /unknown command "fidd"/);
    assertFails(await metrics("fid", A), 2, /takes 2 arguments \(DIR_A DIR_B\), got 1/);
  },
});

Deno.test({
  name: "metrics: clean up",
  fn: () => Deno.remove(root, { recursive: true }),
});
