/**
 * Loss ablations: which terms of the CycleGAN objective are on (paper Sec. 5.1.4, Tables 4/5).
 *
 * The terms use the official loss names (§1.6): `GAN_A` is G_A's adversarial loss against D_A
 * (paper: G and D_Y), `GAN_B` is G_B's against D_B (F and D_X), `cycle_A` is the forward cycle
 * A -> B -> A (x -> G(x) -> F(G(x))), `cycle_B` the backward cycle B -> A -> B.
 *
 * ```ts
 * import { lossTerms, PAPER_LOSS_VARIANTS } from "./ablation.ts";
 * lossTerms(PAPER_LOSS_VARIANTS["GAN + forward cycle"]);
 * // { GAN_A: true, GAN_B: true, cycle_A: true, cycle_B: false }
 * ```
 * @module
 */

/** Which cycle-consistency terms are on. */
export type CycleTerms = "both" | "forward" | "backward" | "none";

/** A loss ablation: adversarial terms on or off, and which cycle terms are on. */
export interface LossAblation {
  /** Both adversarial terms (GAN_A and GAN_B) on or off. */
  readonly gan: boolean;
  /** `forward` = cycle_A (A -> B -> A), `backward` = cycle_B (B -> A -> B). */
  readonly cycle: CycleTerms;
}

/** The active terms of the generators' objective under an ablation. */
export interface ActiveLossTerms {
  /** G_A's adversarial loss against D_A (paper: G against D_Y). */
  readonly GAN_A: boolean;
  /** G_B's adversarial loss against D_B (paper: F against D_X). */
  readonly GAN_B: boolean;
  /** Forward cycle, A -> B -> A, weighted by lambda_A. */
  readonly cycle_A: boolean;
  /** Backward cycle, B -> A -> B, weighted by lambda_B. */
  readonly cycle_B: boolean;
}

/** The valid {@link CycleTerms}. */
export const CYCLE_TERMS: readonly CycleTerms[] = ["both", "forward", "backward", "none"];

/**
 * Which of GAN_A, GAN_B, cycle_A, cycle_B an ablation keeps. Identity terms are outside the
 * ablation (they follow `lambda_identity`). Throws on a malformed ablation, quoting it.
 *
 * ```ts
 * lossTerms({ gan: false, cycle: "both" });
 * // { GAN_A: false, GAN_B: false, cycle_A: true, cycle_B: true }
 * ```
 */
export function lossTerms(ablation: LossAblation): ActiveLossTerms {
  const { gan, cycle } = ablation;
  if (typeof gan !== "boolean" || !CYCLE_TERMS.includes(cycle)) {
    throw new Error(
      `Cannot read the loss ablation ${
        JSON.stringify(ablation)
      }: expected { gan: true | false, cycle: ${CYCLE_TERMS.map((c) => `"${c}"`).join(" | ")} }`,
    );
  }
  return {
    GAN_A: gan,
    GAN_B: gan,
    cycle_A: cycle === "both" || cycle === "forward",
    cycle_B: cycle === "both" || cycle === "backward",
  };
}

/**
 * The five loss variants of the paper's ablation (Tables 4 and 5, Cityscapes labels <-> photos),
 * by the paper's row names. "GAN alone" and the one-cycle rows keep both adversarial terms.
 *
 * ```ts
 * for (const [name, ablation] of Object.entries(PAPER_LOSS_VARIANTS)) {
 *   console.log(name, lossTerms(ablation));
 * }
 * ```
 */
export const PAPER_LOSS_VARIANTS: Readonly<Record<PaperLossVariant, LossAblation>> = Object
  .freeze({
    "Cycle alone": Object.freeze({ gan: false, cycle: "both" }),
    "GAN alone": Object.freeze({ gan: true, cycle: "none" }),
    "GAN + forward cycle": Object.freeze({ gan: true, cycle: "forward" }),
    "GAN + backward cycle": Object.freeze({ gan: true, cycle: "backward" }),
    "CycleGAN": Object.freeze({ gan: true, cycle: "both" }),
  });

/** Row names of the paper's loss ablation (Tables 4/5). */
export type PaperLossVariant =
  | "Cycle alone"
  | "GAN alone"
  | "GAN + forward cycle"
  | "GAN + backward cycle"
  | "CycleGAN";

// ---------------------------------------------------------------------------------------------
// pix2pix (Isola et al., CVPR 2017, Sec. 4.2 and Table 1)

/** pix2pix's adversarial term: none, D judging the output alone, or D judging (input, output). */
export const PIX2PIX_GAN_TERMS = ["none", "unconditional", "conditional"] as const;

/** One of {@link PIX2PIX_GAN_TERMS}. */
export type Pix2PixGanTerm = typeof PIX2PIX_GAN_TERMS[number];

/**
 * pix2pix's loss ablation: the L1 term on or off, and which adversarial term. The official
 * model is `{ l1: true, gan: "conditional" }` (L1+cGAN); its D sees the input and the output
 * concatenated (`input_nc + output_nc` channels). `unconditional` is the paper's "GAN" rows:
 * D sees the output alone.
 */
export interface Pix2PixLoss {
  /** `G_L1 = lambda_L1 * |G(x) - y|_1` on or off. */
  readonly l1: boolean;
  /** The adversarial term. */
  readonly gan: Pix2PixGanTerm;
}

/**
 * The active terms of a pix2pix loss; throws on a malformed one or on one with no term at all
 * (nothing would train), quoting it.
 *
 * ```ts
 * pix2pixLossTerms({ l1: true, gan: "conditional" });
 * // { l1: true, gan: true, conditional: true }
 * ```
 */
export function pix2pixLossTerms(
  loss: Pix2PixLoss,
): { l1: boolean; gan: boolean; conditional: boolean } {
  const { l1, gan } = loss;
  if (typeof l1 !== "boolean" || !PIX2PIX_GAN_TERMS.includes(gan)) {
    throw new Error(
      `Cannot read the pix2pix loss ${JSON.stringify(loss)}: expected { l1: true | false, gan: ${
        PIX2PIX_GAN_TERMS.map((g) => `"${g}"`).join(" | ")
      } }`,
    );
  }
  if (!l1 && gan === "none") {
    throw new Error(
      `Cannot train pix2pix with the loss ${
        JSON.stringify(loss)
      }: it has no term (expected l1: true or a gan term)`,
    );
  }
  return { l1, gan: gan !== "none", conditional: gan === "conditional" };
}

/** Row names of pix2pix's Table 1. */
export type Pix2PixLossVariant = "L1" | "GAN" | "cGAN" | "L1+GAN" | "L1+cGAN";

/**
 * The five rows of pix2pix's Table 1 (loss ablation, Cityscapes labels -> photo) by the
 * paper's names.
 *
 * ```ts
 * PIX2PIX_LOSS_VARIANTS["L1+cGAN"]; // { l1: true, gan: "conditional" }, the official model
 * ```
 */
export const PIX2PIX_LOSS_VARIANTS: Readonly<Record<Pix2PixLossVariant, Pix2PixLoss>> = Object
  .freeze({
    "L1": Object.freeze({ l1: true, gan: "none" }),
    "GAN": Object.freeze({ l1: false, gan: "unconditional" }),
    "cGAN": Object.freeze({ l1: false, gan: "conditional" }),
    "L1+GAN": Object.freeze({ l1: true, gan: "unconditional" }),
    "L1+cGAN": Object.freeze({ l1: true, gan: "conditional" }),
  });
