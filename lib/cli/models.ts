/**
 * `deno task models`: prints a model's networks layer by layer with their parameter counts,
 * like the official `print_networks` with `--verbose`, without allocating any weights, and each
 * discriminator's receptive field (the input patch one of its scores sees: pix2pix Table 3).
 *
 * ```sh
 * deno task models                                  # cycle_gan: resnet_9blocks + basic, instance norm
 * deno task models --model pix2pix                  # G unet_256 + conditional D, batch norm
 * deno task models --netD n_layers --n_layers_D 4 --json
 * ```
 *
 * `--model cycle_gan` (default) prints G_A, G_B, D_A, D_B; `--model pix2pix` prints G and its
 * conditional D (input_nc + output_nc channels) with pix2pix's defaults (netG unet_256, batch
 * norm) unless `--netG` / `--norm` say otherwise. `--json` prints `{"G": {"name", "params",
 * "input_nc", "output_nc"}, "D": {"name", "params", "input_nc"}}` for G_A and D_A (pix2pix: G
 * and D). A bad flag or value prints one line naming the flag and what it accepts, and exits
 * with code 2.
 * @module
 */
import { runMain, UserError } from "./_errors.ts";
import { HELP_FLAG, helpText, intFlag, parseCli } from "./_flags.ts";
import { GENERATOR_NAMES, generatorModule } from "../generators/mod.ts";
import {
  DISCRIMINATOR_NAMES,
  discriminatorModule,
  discriminatorReceptiveField,
} from "../discriminators/mod.ts";
import { MODEL_NAMES } from "../train/models.ts";
import { PIX2PIX_DEFAULTS } from "../train/pix2pix.ts";
import {
  countParameters,
  describeModule,
  type Module,
  NORM_TYPES,
  type NormType,
} from "../nn/module.ts";
import { parameterLine } from "../nn/network.ts";

const FLAGS = {
  netG: {
    type: "string",
    arg: "NAME",
    doc: `generator (G_A = G, G_B = F): ${
      GENERATOR_NAMES.join(", ")
    } (default resnet_9blocks; pix2pix: unet_256)`,
  },
  netD: {
    type: "string",
    default: "basic",
    arg: "NAME",
    doc: `discriminator (D_A = D_Y, D_B = D_X): ${DISCRIMINATOR_NAMES.join(", ")}`,
  },
  ngf: {
    type: "string",
    default: "64",
    arg: "N",
    expects: "a positive integer",
    doc: "generator filters in the first conv layer (default 64)",
  },
  ndf: {
    type: "string",
    default: "64",
    arg: "N",
    expects: "a positive integer",
    doc: "discriminator filters in the first conv layer (default 64)",
  },
  norm: {
    type: "string",
    arg: "TYPE",
    doc: `normalization layers: ${NORM_TYPES.join(", ")} (default instance; pix2pix: batch)`,
  },
  input_nc: {
    type: "string",
    default: "3",
    arg: "N",
    expects: "a positive integer",
    doc: "channels of domain A images (default 3)",
  },
  output_nc: {
    type: "string",
    default: "3",
    arg: "N",
    expects: "a positive integer",
    doc: "channels of domain B images (default 3)",
  },
  n_layers_D: {
    type: "string",
    arg: "N",
    expects: "a positive integer",
    doc: "conv layers of --netD n_layers (basic is n_layers with 3)",
  },
  model: {
    type: "string",
    default: "cycle_gan",
    arg: "NAME",
    doc: `model: ${MODEL_NAMES.join(", ")} (default cycle_gan)`,
  },
  json: { type: "boolean", default: false, doc: "print parameter counts as JSON, no layers" },
  help: HELP_FLAG,
} as const;

const USAGE = `usage: deno task models [--netG ${GENERATOR_NAMES.join("|")}] ` +
  `[--netD ${DISCRIMINATOR_NAMES.join("|")}] [--ngf N] [--ndf N] [--norm ${
    NORM_TYPES.join("|")
  }] [--input_nc N] [--output_nc N] [--n_layers_D N] [--model ${MODEL_NAMES.join("|")}] [--json]`;

const CLI = { usage: USAGE, flags: FLAGS } as const;

/** A bad flag or value: one line on stderr, exit code 2. */
function usage(message: string): UserError {
  return new UserError(message, 2);
}

function parse(args: string[]) {
  return parseCli(args, CLI).values;
}

function positiveInt(flag: string, value: string): number {
  return intFlag(flag, value, 0);
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw usage(
      `--${flag}: unknown value "${value}"; expected one of ${allowed.join(", ")}`,
    );
  }
  return value as T;
}

/** One network of the printout. */
interface Printed {
  label: "G_A" | "G_B" | "D_A" | "D_B" | "G" | "D";
  name: string;
  module: Module;
  params: number;
  inputNc: number;
  /** Discriminators: the side of the input patch one score sees. */
  receptiveField?: number;
}

/**
 * The networks the flags describe: G_A, G_B, D_A, D_B as the official cycle_gan model, or G
 * and its conditional D as the official pix2pix model.
 */
function networks(v: ReturnType<typeof parse>): Printed[] {
  const model = oneOf("model", v.model, MODEL_NAMES);
  const pix2pix = model === "pix2pix";
  const netG = oneOf(
    "netG",
    v.netG ?? (pix2pix ? PIX2PIX_DEFAULTS.netG : "resnet_9blocks"),
    GENERATOR_NAMES,
  );
  const netD = oneOf("netD", v.netD, DISCRIMINATOR_NAMES);
  const norm: NormType = oneOf(
    "norm",
    v.norm ?? (pix2pix ? PIX2PIX_DEFAULTS.norm : "instance"),
    NORM_TYPES,
  );
  const ngf = positiveInt("ngf", v.ngf);
  const ndf = positiveInt("ndf", v.ndf);
  const inputNc = positiveInt("input_nc", v.input_nc);
  const outputNc = positiveInt("output_nc", v.output_nc);
  let nLayersD: { n_layers_D?: number } = {};
  if (v.n_layers_D !== undefined) {
    if (netD !== "n_layers") {
      throw usage(
        `--n_layers_D applies only to --netD n_layers (--netD ${netD} has a fixed depth)`,
      );
    }
    nLayersD = { n_layers_D: positiveInt("n_layers_D", v.n_layers_D) };
  }
  const g = (label: Printed["label"], from: number, to: number): Printed => {
    const module = generatorModule(netG, { ngf, norm, input_nc: from, output_nc: to });
    return { label, name: netG, module, params: countParameters(module), inputNc: from };
  };
  const d = (label: Printed["label"], channels: number): Printed => {
    const options = { ndf, norm, input_nc: channels, ...nLayersD };
    const module = discriminatorModule(netD, options);
    return {
      label,
      name: netD,
      module,
      params: countParameters(module),
      inputNc: channels,
      receptiveField: discriminatorReceptiveField(netD, options),
    };
  };
  if (pix2pix) {
    // pix2pix's D is conditional: it sees the input and the output concatenated.
    return [g("G", inputNc, outputNc), d("D", inputNc + outputNc)];
  }
  // D_A = D_Y judges domain B (G_A's outputs, output_nc channels); D_B = D_X judges domain A.
  return [
    g("G_A", inputNc, outputNc),
    g("G_B", outputNc, inputNc),
    d("D_A", outputNc),
    d(
      "D_B",
      inputNc,
    ),
  ];
}

/**
 * Runs the command with `args` and returns its exit code; a bad flag or value throws a
 * `UserError` (exit code 2) whose message names the flag and what it accepts.
 */
export function main(args: string[]): number {
  const v = parse(args);
  if (v.help) {
    console.log(helpText(CLI));
    return 0;
  }
  const nets = networks(v);
  const gA = nets[0];
  const dA = nets.find((n) => n.receptiveField !== undefined)!;
  if (v.json) {
    const outputNc = positiveInt("output_nc", v.output_nc);
    console.log(JSON.stringify({
      G: { name: gA.name, params: gA.params, input_nc: gA.inputNc, output_nc: outputNc },
      D: { name: dA.name, params: dA.params, input_nc: dA.inputNc },
    }));
    return 0;
  }
  const lines = ["---------- Networks initialized -------------"];
  for (const n of nets) {
    lines.push(...describeModule(n.module), parameterLine(n.label, n.params));
    if (n.receptiveField !== undefined) {
      lines.push(
        `[Network ${n.label}] Receptive field : ${n.receptiveField}x${n.receptiveField} pixels`,
      );
    }
  }
  lines.push("-----------------------------------------------");
  console.log(lines.join("\n"));
  return 0;
}

if (import.meta.main) await runMain(() => Promise.resolve(main(Deno.args)));
