/**
 * Fixtures for the sweep tests (tests/sweep_*_test.ts): tiny experiment and ablation files
 * written at test time, and `deno task ablate` as a child process.
 * @module
 */
import { REPO_ROOT } from "./sweep.ts";

/** The tiny experiment: resnet_6blocks, ngf/ndf 4, 32x32 scenes, pool 2, identity 0.5. */
export function tinyExperiment(options: { steps?: number; extra?: string } = {}): string {
  return `# tiny test experiment
netG: resnet_6blocks
netD: basic
ngf: 4
ndf: 4
pool_size: 2
lambda_identity: 0.5
gan_mode: lsgan
lr_unit: iteration
n_epochs: ${options.steps ?? 3}
n_epochs_decay: 0
print_freq: 1
save_latest_freq: 1
keep_checkpoints: 3
dataset:
  name: scenes
  size: 32
  train_count: 2
  test_count: 1
eval:
  metrics: [l1, psnr]
  max_images: 1
backend: wasm
${options.extra ?? ""}`;
}

/** The 4-run ablation of reliability.md test 1: 2 generators x 2 GAN losses. */
export function fourRunAblation(name: string, extraVariantSet = ""): string {
  return `name: ${name}
experiment: exp.yaml
variants:
  - { name: r6, set: { netG: resnet_6blocks } }
  - { name: r9, set: { netG: resnet_9blocks${extraVariantSet} } }
grid:
  gan_mode: [lsgan, vanilla]
`;
}

/** Writes files (name -> text) into `dir`. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
}

/** What {@link ablate} returns. */
export interface AblateOutput {
  /** Exit code. */
  code: number;
  /** Everything on stdout. */
  stdout: string;
  /** Everything on stderr. */
  stderr: string;
}

/** Runs `deno task ablate ARGS` (as `deno run -A lib/cli/ablate.ts`) in `cwd`. */
export async function ablate(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<AblateOutput> {
  const out = await ablateCommand(args, options).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The command of {@link ablate}, for tests that signal it while it runs. */
export function ablateCommand(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      `${REPO_ROOT}/deno.json`,
      `${REPO_ROOT}/lib/cli/ablate.ts`,
      ...args,
    ],
    cwd: options.cwd ?? REPO_ROOT,
    env: { CYCLEBENCH_FAULT: "", CYCLEBENCH_FAULT_RUN: "", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Every file under `dir` with its size and mtime (a snapshot to compare). */
export async function treeSnapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const e of entries) {
      const path = `${d}/${e.name}`;
      const st = await Deno.lstat(path);
      const key = `${rel}${e.name}`;
      if (e.isDirectory) {
        out[`${key}/`] = "dir";
        await walk(path, `${key}/`);
      } else {
        out[key] = `${st.size}@${st.mtime?.getTime()}`;
      }
    }
  };
  await walk(dir, "");
  return out;
}
