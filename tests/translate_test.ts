/**
 * `deno task translate` end to end: a checkpoint from a 2-step tiny training, a folder with a
 * PNG and a JPEG (and a file that is not an image), PNG outputs named after the inputs at the
 * training size; bad flags and paths give one line and exit code 2; no tensor growth.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { decode, Image } from "imagescript";
import { selectBackend } from "../lib/backend/mod.ts";
import { tf } from "../lib/tf.ts";
import { Rng } from "../lib/nn/rng.ts";
import { tensorSource } from "../lib/train/data.ts";
import { train } from "../lib/train/loop.ts";
import {
  imageToTensor,
  loadGenerator,
  resolveCheckpoint,
  tensorToPng,
  translateFolder,
} from "../lib/cli/translate.ts";
import { UserError } from "../lib/cli/_errors.ts";
import { encodePng } from "../lib/io/png.ts";

const root = new URL("..", import.meta.url).pathname;

function cli(args: string[]): Promise<Deno.CommandOutput> {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${root}deno.json`, `${root}lib/cli/translate.ts`, ...args],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A 12x10 test card: a colour gradient, so resizing and the generator see structure. */
function card(seed: number): Image {
  const img = new Image(12, 10);
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 12; x++) {
      img.setPixelAt(x + 1, y + 1, Image.rgbaToColor(20 * x + seed, 25 * y, 200 - 10 * x, 255));
    }
  }
  return img;
}

/** The card as a PNG (written by lib/io/png.ts: imagescript's encoder output does not always
 * decode with imagescript's own decoder). */
async function cardPng(seed: number): Promise<Uint8Array> {
  const img = card(seed);
  const rgb = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++) {
    rgb.set(img.bitmap.subarray(4 * i, 4 * i + 3), 3 * i);
  }
  return await encodePng(rgb, { width: img.width, height: img.height, channels: 3 });
}

async function fixture(dir: string): Promise<{ run: string; input: string }> {
  const rng = new Rng(1);
  const img = () => rng.fillUniform(8 * 8 * 3).map((v) => v * 2 - 1);
  const run = `${dir}/run`;
  const r = await train({
    netG: "resnet_6blocks",
    netD: "pixel",
    ngf: 2,
    ndf: 2,
    pool_size: 1,
    n_epochs: 1,
    n_epochs_decay: 0,
    max_steps: 2,
  }, {
    source: tensorSource([img(), img()], [img()], { imageSize: [8, 8] }),
    dir: run,
    log: () => {},
  });
  assertEquals([r.status, r.step], ["completed", 2]);
  const input = `${dir}/in`;
  await Deno.mkdir(input);
  await Deno.writeFile(`${input}/horse.png`, await cardPng(0));
  await Deno.writeFile(`${input}/zebra.JPG`, await card(30).encodeJPEG(95));
  await Deno.writeTextFile(`${input}/notes.txt`, "not an image");
  return { run, input };
}

Deno.test("deno task translate writes one PNG per input image at the training size, as translateFolder does", async () => {
  await selectBackend("cpu");
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_translate_" });
  try {
    const { run, input } = await fixture(dir);
    const out = await cli([
      "--checkpoint",
      run,
      "--direction",
      "AtoB",
      "--input",
      input,
      "--output",
      `${dir}/out`,
      "--backend",
      "cpu",
    ]);
    assert(out.success, text(out.stderr));
    assertMatch(text(out.stdout), /translated 2 image\(s\) AtoB with G_A from ".*step_00000002"/);
    const names = (await Array.fromAsync(Deno.readDir(`${dir}/out`))).map((e) => e.name).sort();
    assertEquals(names, ["horse.png", "zebra.png"]);
    for (const n of names) {
      const png = await decode(await Deno.readFile(`${dir}/out/${n}`));
      assertEquals([png.width, png.height], [8, 8]);
    }

    // In process: the same bytes, no tensor growth, and BtoA uses the other generator.
    const before = tf.memory().numTensors;
    const r = await translateFolder({
      checkpoint: run,
      direction: "AtoB",
      input,
      output: `${dir}/again`,
    });
    assertEquals(tf.memory().numTensors, before, "translation leaves tensors behind");
    assertEquals(r.written.length, 2);
    for (const n of names) {
      assertEquals(
        await Deno.readFile(`${dir}/again/${n}`),
        await Deno.readFile(`${dir}/out/${n}`),
      );
    }
    await translateFolder({ checkpoint: run, direction: "BtoA", input, output: `${dir}/back` });
    assert(
      (await Deno.readFile(`${dir}/back/horse.png`)).join() !==
        (await Deno.readFile(`${dir}/out/horse.png`)).join(),
      "G_B gave G_A's output",
    );

    // The file is the checkpoint's G_A applied to the resized input (training mode, as upstream).
    const g = await loadGenerator(await resolveCheckpoint(run), "AtoB");
    const x = imageToTensor(card(0), { size: g.imageSize, channels: 3 });
    assertEquals(x.shape, [1, 8, 8, 3]);
    const y = g.net.apply(x, { training: true, rng: new Rng(0) });
    assertEquals(await tensorToPng(y), await Deno.readFile(`${dir}/out/horse.png`));
    tf.dispose([x, y]);
    g.net.dispose();
    assertEquals(tf.memory().numTensors, before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task translate: bad flags and paths give one line naming them and exit code 2", async () => {
  await selectBackend("cpu");
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_translate_bad_" });
  try {
    const missing = await cli(["--checkpoint", dir, "--direction", "AtoB", "--output", dir]);
    assertEquals(missing.code, 2);
    assertMatch(text(missing.stderr), /^error: --input is required; usage: deno task translate/);
    assertEquals(text(missing.stderr).trim().split("\n").length, 1);
    const direction = await cli([
      "--checkpoint",
      dir,
      "--direction",
      "sideways",
      "--input",
      dir,
      "--output",
      dir,
    ]);
    assertEquals(direction.code, 2);
    assertEquals(
      text(direction.stderr).trim(),
      `error: --direction "sideways" is not AtoB or BtoA`,
    );
    const unknown = await cli(["--checkpoint", dir, "--colour", "red"]);
    assertEquals(unknown.code, 2);
    assertMatch(text(unknown.stderr), /--colour/);

    // Paths, checked in process (each is a UserError with exit code 2 naming the path).
    const expectUserError = async (o: Parameters<typeof translateFolder>[0], re: RegExp) => {
      const e = await assertRejects(() => translateFolder(o), UserError);
      assertEquals(e.exitCode, 2);
      assertMatch(e.message, re);
    };
    const base = { checkpoint: dir, direction: "AtoB" as const, output: `${dir}/out` };
    await expectUserError({ ...base, input: `${dir}/nope` }, /^--input ".*\/nope" does not exist$/);
    await expectUserError({ ...base, input: dir }, /^--input ".*" holds no images/);
    await Deno.writeFile(`${dir}/a.png`, await cardPng(0));
    await expectUserError(
      { ...base, input: dir },
      /^--checkpoint ".*" holds no complete checkpoint/,
    );
    await expectUserError(
      { ...base, checkpoint: `${dir}/gone`, input: dir },
      /^--checkpoint ".*\/gone" does not exist$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("encodePng() writes deterministic PNGs that imagescript decodes back, in grey, RGB and RGBA", async () => {
  const { crc32 } = await import("../lib/io/png.ts");
  assertEquals(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  for (const channels of [1, 3, 4] as const) {
    const [w, h] = [5, 3];
    const px = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 37 + 11) % 256);
    if (channels === 4) { for (let i = 3; i < px.length; i += 4) px[i] = 255; }
    const png = await encodePng(px, { width: w, height: h, channels });
    assertEquals(png, await encodePng(px, { width: w, height: h, channels }));
    const img = await decode(png) as Image;
    assertEquals([img.width, img.height], [w, h]);
    for (let i = 0; i < w * h; i++) {
      const rgba = Array.from(img.bitmap.subarray(4 * i, 4 * i + 4));
      const want = channels === 1 ? [px[i], px[i], px[i], 255] : [
        px[i * channels],
        px[i * channels + 1],
        px[i * channels + 2],
        channels === 4 ? px[i * 4 + 3] : 255,
      ];
      assertEquals(rgba, want, `pixel ${i} of the ${channels}-channel PNG`);
    }
  }
});

Deno.test("deno task translate checks every input, the checkpoint and the outputs before writing anything", async () => {
  await selectBackend("cpu");
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_translate_first_" });
  try {
    const { run, input } = await fixture(dir);
    const out = `${dir}/out`;
    const base = ["--direction", "AtoB", "--input", input, "--output", out, "--backend", "cpu"];

    // A file as --checkpoint: one line, exit code 2 (it was an ENOTDIR stack trace).
    await Deno.writeTextFile(`${dir}/model.ckpt`, "not a checkpoint");
    const file = await cli(["--checkpoint", `${dir}/model.ckpt`, ...base]);
    assertEquals(file.code, 2);
    assertEquals(text(file.stderr).trim().split("\n").length, 1, text(file.stderr));
    assertMatch(text(file.stderr), /^error: --checkpoint ".*model\.ckpt" is a file; expected/);

    // A corrupt input sorted last: nothing is written, and the message names it.
    await Deno.writeFile(`${input}/zz_broken.png`, new Uint8Array([137, 80, 78, 71, 1, 2, 3]));
    const broken = await cli(["--checkpoint", run, ...base]);
    assertEquals(broken.code, 2);
    assertMatch(
      text(broken.stderr),
      /^error: cannot decode 1 of the 3 input image\(s\), nothing written: ".*zz_broken\.png"/,
    );
    assertEquals(
      await Array.fromAsync(Deno.readDir(dir)).then((es) => es.some((e) => e.name === "out")),
      false,
    );
    await Deno.remove(`${input}/zz_broken.png`);

    // Existing outputs need --force; with it they are overwritten.
    const first = await cli(["--checkpoint", run, ...base]);
    assert(first.success, text(first.stderr));
    await Deno.writeFile(`${out}/horse.png`, new Uint8Array([1]));
    const again = await cli(["--checkpoint", run, ...base]);
    assertEquals(again.code, 2);
    assertEquals(
      text(again.stderr).trim(),
      `error: --output "${out}" already holds 2 of the 2 output(s) (horse.png, zebra.png); ` +
        `choose a new folder or pass --force to overwrite them`,
    );
    assertEquals(await Deno.readFile(`${out}/horse.png`), new Uint8Array([1]));
    const forced = await cli(["--checkpoint", run, ...base, "--force"]);
    assert(forced.success, text(forced.stderr));
    assertEquals((await decode(await Deno.readFile(`${out}/horse.png`))).width, 8);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
