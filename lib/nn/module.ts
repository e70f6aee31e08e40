/**
 * Networks as trees of modules that mirror PyTorch's `nn.Module` tree, so parameter names are
 * the official `state_dict` keys (`model.1.weight`, `model.10.conv_block.5.weight`,
 * `model.model.1.model.1.weight`) and the printout reads like the official `print(net)`.
 *
 * A {@link Module} holds no tensors: only parameter shapes and a forward function that looks its
 * tensors up by name through a {@link Scope}. That lets us count parameters (54 M for unet_256)
 * without allocating them, and lets `network.ts` allocate them once, by name.
 *
 * ```ts
 * import { conv2dModule, describeModule, normModule, reluModule, sequential } from "./module.ts";
 * const block = sequential([conv2dModule(3, 8, { kernel: 3, padding: 1 }), normModule("batch", 8),
 *   reluModule()]);
 * describeModule(block); // ["Sequential(", "  (0): Conv2d(3, 8, ...", ...]
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import { tfjsShape } from "./init.ts";
import {
  batchNorm,
  conv2d,
  convTranspose2d,
  dropout,
  instanceNorm,
  instanceNormActivation,
  leakyRelu,
  type NormActivation,
  reflectionPad,
  relu,
  tanh,
} from "./layers.ts";
import type { Rng } from "./rng.ts";

/** `--norm` values we support (the official `syncbatch` needs several processes; not here). */
export const NORM_TYPES = ["instance", "batch", "none"] as const;

/** One of {@link NORM_TYPES}. */
export type NormType = typeof NORM_TYPES[number];

/**
 * What a parameter is, which decides its initialisation (official `init_weights`):
 * conv / conv_transpose weights by the init type, biases 0, BatchNorm weight N(1, gain).
 */
export type ParamKind = "conv" | "conv_transpose" | "bias" | "bn_weight" | "bn_bias";

/** A learnable parameter of one module: local name, kind and PyTorch shape. */
export interface ParamSpec {
  /** Local name (`weight`, `bias`); the full name prefixes the module path. */
  readonly name: string;
  /** Decides the initialisation. */
  readonly kind: ParamKind;
  /** Shape in PyTorch's layout (conv weights [out, in, kh, kw], transposed [in, out, kh, kw]). */
  readonly torchShape: readonly number[];
}

/** A non-learnable state tensor (BatchNorm's running statistics). */
export interface BufferSpec {
  /** Local name (`running_mean`, `running_var`). */
  readonly name: string;
  /** Shape (the same in PyTorch and tfjs). */
  readonly shape: readonly number[];
  /** Initial value of every element. */
  readonly fill: number;
}

/**
 * A block-level wrapper the caller may pass to trade compute for memory, with the signature of
 * `recompute` in lib/backend/memory.ts: run `f(x, params)` so that its backward pass re-runs it.
 */
export type CheckpointFn = (
  f: (x: tf.Tensor, params: tf.Tensor[]) => tf.Tensor,
  x: tf.Tensor,
  params: tf.Tensor[],
) => tf.Tensor;

/** What a forward pass runs with. */
export interface ForwardContext {
  /** Every parameter and buffer by full name. */
  readonly tensors: ReadonlyMap<string, tf.Tensor>;
  /** Buffers by full name, for in-place running-statistics updates. */
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  /** Training mode: BatchNorm uses batch statistics, Dropout drops. */
  readonly training: boolean;
  /** Source of dropout masks; required when a dropout layer runs in training mode. */
  readonly rng?: Rng;
  /** Whether BatchNorm may update its running statistics (false while a block is re-run). */
  readonly updateBuffers: boolean;
  /** Optional memory-saving wrapper for residual blocks. */
  readonly checkpoint?: CheckpointFn;
}

/** A module's view of a forward pass: the context plus its own path in the tree. */
export class Scope {
  /**
   * A scope at `path` within the forward pass `ctx`.
   *
   * @param ctx The forward pass's context.
   * @param path This module's dotted path (`model.10.conv_block`), "" at the root.
   */
  constructor(readonly ctx: ForwardContext, readonly path: string) {}

  /** The full name of a local parameter or buffer. */
  name(local: string): string {
    return this.path === "" ? local : `${this.path}.${local}`;
  }

  /** A parameter (or buffer) tensor by local name. */
  tensor(local: string): tf.Tensor {
    const full = this.name(local);
    const t = this.ctx.tensors.get(full);
    if (t === undefined) throw new Error(`forward: no tensor named "${full}"`);
    return t;
  }

  /** A buffer variable by local name. */
  buffer(local: string): tf.Variable {
    const full = this.name(local);
    const v = this.ctx.buffers.get(full);
    if (v === undefined) throw new Error(`forward: no buffer named "${full}"`);
    return v;
  }

  /** The scope of a child module. */
  child(name: string): Scope {
    return new Scope(this.ctx, this.name(name));
  }

  /** The same path under another context. */
  with(ctx: ForwardContext): Scope {
    return new Scope(ctx, this.path);
  }
}

/** One node of a network: PyTorch class name, printout, parameters, children, forward. */
export interface Module {
  /** PyTorch class name for the printout (`Conv2d`, `ResnetBlock`). */
  readonly type: string;
  /** PyTorch's `extra_repr`: the arguments shown inside the parentheses. */
  readonly extraRepr: string;
  /** Own learnable parameters, in PyTorch's registration order. */
  readonly params: readonly ParamSpec[];
  /** Own buffers. */
  readonly buffers: readonly BufferSpec[];
  /** Named children, in order (a Sequential's are "0", "1", ...). */
  readonly children: readonly (readonly [string, Module])[];
  /** The forward pass. */
  forward(x: tf.Tensor4D, scope: Scope): tf.Tensor4D;
  /** The activation this module applies (ReLU, LeakyReLU), for a norm before it to fold in. */
  readonly activation?: NormActivation;
  /**
   * This module and `next` as one forward pass (in this module's scope), where the pair has a
   * fused form: an instance norm and the activation after it. Undefined where it has none;
   * {@link runSequence} uses it. The result must equal running the two in turn.
   */
  fuseNext?(next: Module): ((x: tf.Tensor4D, scope: Scope) => tf.Tensor4D) | undefined;
}

function leaf(
  type: string,
  extraRepr: string,
  forward: (x: tf.Tensor4D, scope: Scope) => tf.Tensor4D,
  params: ParamSpec[] = [],
  buffers: BufferSpec[] = [],
): Module {
  return { type, extraRepr, params, buffers, children: [], forward };
}

function pair(v: number): string {
  return `(${v}, ${v})`;
}

/** Options of {@link conv2dModule}. */
export interface ConvModuleOptions {
  /** Square kernel size. */
  kernel: number;
  /** Stride; default 1. */
  stride?: number;
  /** PyTorch zero padding; default 0. */
  padding?: number;
  /** Whether the conv has a bias; default true (PyTorch's default). */
  bias?: boolean;
}

/** Conv2d(inC, outC, kernel, stride, padding, bias): parameters `weight` and maybe `bias`. */
export function conv2dModule(inC: number, outC: number, options: ConvModuleOptions): Module {
  const { kernel: k, stride = 1, padding = 0, bias = true } = options;
  const params: ParamSpec[] = [{ name: "weight", kind: "conv", torchShape: [outC, inC, k, k] }];
  if (bias) params.push({ name: "bias", kind: "bias", torchShape: [outC] });
  // PyTorch's Conv2d extra_repr: padding only when non-zero, bias only when absent.
  const repr = `${inC}, ${outC}, kernel_size=${pair(k)}, stride=${pair(stride)}` +
    (padding ? `, padding=${pair(padding)}` : "") + (bias ? "" : ", bias=False");
  return leaf("Conv2d", repr, (x, s) =>
    conv2d(x, s.tensor("weight") as tf.Tensor4D, {
      stride,
      padding,
      bias: bias ? s.tensor("bias") as tf.Tensor1D : undefined,
    }), params);
}

/** Options of {@link convTranspose2dModule}. */
export interface ConvTransposeModuleOptions extends ConvModuleOptions {
  /** PyTorch `output_padding`; default 0. */
  outputPadding?: number;
}

/** ConvTranspose2d(inC, outC, ...): PyTorch weight layout [inC, outC, k, k]. */
export function convTranspose2dModule(
  inC: number,
  outC: number,
  options: ConvTransposeModuleOptions,
): Module {
  const { kernel: k, stride = 1, padding = 0, outputPadding = 0, bias = true } = options;
  const params: ParamSpec[] = [{
    name: "weight",
    kind: "conv_transpose",
    torchShape: [inC, outC, k, k],
  }];
  if (bias) params.push({ name: "bias", kind: "bias", torchShape: [outC] });
  const repr = `${inC}, ${outC}, kernel_size=${pair(k)}, stride=${pair(stride)}` +
    (padding ? `, padding=${pair(padding)}` : "") +
    (outputPadding ? `, output_padding=${pair(outputPadding)}` : "") +
    (bias ? "" : ", bias=False");
  return leaf(
    "ConvTranspose2d",
    repr,
    (x, s) =>
      convTranspose2d(x, s.tensor("weight") as tf.Tensor4D, {
        stride,
        padding,
        outputPadding,
        bias: bias ? s.tensor("bias") as tf.Tensor1D : undefined,
      }),
    params,
  );
}

/** InstanceNorm2d(C) without affine parameters or running statistics (official `instance`). */
export function instanceNormModule(channels: number): Module {
  return {
    ...leaf(
      "InstanceNorm2d",
      `${channels}, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False`,
      (x) => {
        checkNormChannels("InstanceNorm2d", x, channels);
        return instanceNorm(x);
      },
    ),
    // Norm and activation in one kernel where the backend has it (webgpu: issue 18).
    fuseNext(next: Module) {
      const activation = next.activation;
      if (activation === undefined) return undefined;
      return (x: tf.Tensor4D) => {
        checkNormChannels("InstanceNorm2d", x, channels);
        return instanceNormActivation(x, activation);
      };
    },
  };
}

/** BatchNorm2d(C), affine, with running statistics (official `batch`). */
export function batchNormModule(channels: number): Module {
  return leaf(
    "BatchNorm2d",
    `${channels}, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True`,
    (x, s) => {
      checkNormChannels("BatchNorm2d", x, channels);
      return batchNorm(x, {
        weight: s.tensor("weight") as tf.Tensor1D,
        bias: s.tensor("bias") as tf.Tensor1D,
        runningMean: s.buffer("running_mean"),
        runningVar: s.buffer("running_var"),
      }, { training: s.ctx.training, updateStats: s.ctx.updateBuffers });
    },
    [
      { name: "weight", kind: "bn_weight", torchShape: [channels] },
      { name: "bias", kind: "bn_bias", torchShape: [channels] },
    ],
    // PyTorch also keeps `num_batches_tracked`, used only when momentum is None; with the
    // official fixed momentum 0.1 it never affects anything, so we do not store it.
    [
      { name: "running_mean", shape: [channels], fill: 0 },
      { name: "running_var", shape: [channels], fill: 1 },
    ],
  );
}

/** Identity: what the official `--norm none` puts where a norm layer would be. */
export function identityModule(): Module {
  return leaf("Identity", "", (x) => tf.clone(x));
}

/** The norm layer for `--norm` (official `get_norm_layer`). */
export function normModule(norm: NormType, channels: number): Module {
  switch (norm) {
    case "instance":
      return instanceNormModule(channels);
    case "batch":
      return batchNormModule(channels);
    case "none":
      return identityModule();
  }
}

/**
 * Whether convs followed by a norm layer get a bias, as the official networks decide it:
 * `use_bias = norm_layer.func == nn.InstanceNorm2d` (a BatchNorm's affine shift makes a bias
 * redundant; the affine-free InstanceNorm gets one, though it too subtracts the mean). For
 * `--norm none` the official `norm_layer` is a plain function returning Identity, not a
 * `functools.partial`, so the test `norm_layer == nn.InstanceNorm2d` is False: those convs have
 * NO bias even though no norm follows them. We keep that quirk so parameter counts and
 * behaviour match the official `--norm none` networks.
 */
export function usesBias(norm: NormType): boolean {
  return norm === "instance";
}

/** ReflectionPad2d(p). */
export function reflectionPadModule(pad: number): Module {
  return leaf("ReflectionPad2d", `(${pad}, ${pad}, ${pad}, ${pad})`, (x) => reflectionPad(x, pad));
}

// The official ReLU/LeakyReLU are in place (`inplace=True`); the printout says so to match
// the official `print(net)`, while ours are ordinary functional ops.

/** ReLU (printed as the official `ReLU(inplace=True)`). */
export function reluModule(): Module {
  return { ...leaf("ReLU", "inplace=True", (x) => relu(x)), activation: { kind: "relu" } };
}

/** LeakyReLU(0.2) (printed as the official `LeakyReLU(negative_slope=0.2, inplace=True)`). */
export function leakyReluModule(slope = 0.2): Module {
  return {
    ...leaf("LeakyReLU", `negative_slope=${slope}, inplace=True`, (x) => leakyRelu(x, slope)),
    activation: { kind: "leakyRelu", slope },
  };
}

/** Tanh. */
export function tanhModule(): Module {
  return leaf("Tanh", "", (x) => tanh(x));
}

/** Dropout(p): drops in training mode with the context's seeded rng, identity in eval mode. */
export function dropoutModule(p = 0.5): Module {
  return leaf("Dropout", `p=${p}, inplace=False`, (x, s) => {
    if (!s.ctx.training) return tf.clone(x);
    if (!s.ctx.rng) {
      throw new Error(
        `forward: dropout at "${s.path}" runs in training mode and needs options.rng`,
      );
    }
    return dropout(x, p, s.ctx.rng);
  });
}

/** nn.Sequential: children named "0", "1", ..., applied in order. */
export function sequential(layers: readonly Module[]): Module {
  return container(
    "Sequential",
    layers.map((m, i) => [String(i), m] as const),
    (x, s) => runSequence(layers, x, s),
  );
}

/**
 * Applies `layers[from..]` of a Sequential whose scope is `s`, in order; a layer and the next
 * run as one where the layer fuses with it ({@link Module.fuseNext}).
 */
export function runSequence(
  layers: readonly Module[],
  x: tf.Tensor4D,
  s: Scope,
  from = 0,
): tf.Tensor4D {
  let h = x;
  for (let i = from; i < layers.length; i++) {
    const fused = i + 1 < layers.length ? layers[i].fuseNext?.(layers[i + 1]) : undefined;
    if (fused) {
      h = fused(h, s.child(String(i)));
      i++;
    } else {
      h = layers[i].forward(h, s.child(String(i)));
    }
  }
  return h;
}

/** A module with children and a custom forward (ResnetBlock, UnetSkipConnectionBlock, roots). */
export function container(
  type: string,
  children: readonly (readonly [string, Module])[],
  forward: (x: tf.Tensor4D, scope: Scope) => tf.Tensor4D,
  extraRepr = "",
): Module {
  return { type, extraRepr, params: [], buffers: [], children, forward };
}

/** A parameter with its full (state_dict) name. */
export interface NamedParam extends ParamSpec {
  /** Full name, e.g. `model.1.weight`. */
  readonly fullName: string;
  /** Shape as stored for tfjs (conv weights permuted, see `torchToTfjs`). */
  readonly shape: readonly number[];
}

/** A buffer with its full name. */
export interface NamedBuffer extends BufferSpec {
  /** Full name, e.g. `model.2.running_mean`. */
  readonly fullName: string;
}

function join(prefix: string, name: string): string {
  return prefix === "" ? name : `${prefix}.${name}`;
}

/** Every parameter of the tree in PyTorch's `named_parameters()` order, with full names. */
export function namedParameters(root: Module, prefix = ""): NamedParam[] {
  const out: NamedParam[] = [];
  for (const p of root.params) {
    out.push({ ...p, fullName: join(prefix, p.name), shape: tfjsShape(p.torchShape) });
  }
  for (const [name, child] of root.children) {
    out.push(...namedParameters(child, join(prefix, name)));
  }
  return out;
}

/** Every buffer of the tree, with full names. */
export function namedBuffers(root: Module, prefix = ""): NamedBuffer[] {
  const out: NamedBuffer[] = root.buffers.map((b) => ({ ...b, fullName: join(prefix, b.name) }));
  for (const [name, child] of root.children) out.push(...namedBuffers(child, join(prefix, name)));
  return out;
}

/**
 * The number of learnable parameters, from shapes alone (nothing is allocated), as the
 * official `print_networks`: `sum(p.numel() for p in net.parameters())`.
 */
export function countParameters(root: Module): number {
  let n = 0;
  for (const p of namedParameters(root)) n += p.torchShape.reduce((a, b) => a * b, 1);
  return n;
}

/** The printout of PyTorch's `print(net)` (`nn.Module.__repr__`), one string per line. */
export function describeModule(root: Module): string[] {
  return repr(root).split("\n");
}

function repr(m: Module): string {
  const extra = m.extraRepr === "" ? [] : m.extraRepr.split("\n");
  const childLines = m.children.map(([name, child]) =>
    `(${name}): ${repr(child).split("\n").join("\n  ")}`
  );
  const lines = [...extra, ...childLines];
  let s = `${m.type}(`;
  if (lines.length > 0) {
    s += extra.length === 1 && childLines.length === 0 ? extra[0] : `\n  ${lines.join("\n  ")}\n`;
  }
  return `${s})`;
}

function checkNormChannels(type: string, x: tf.Tensor4D, channels: number): void {
  if (x.shape[3] !== channels) {
    throw new RangeError(`${type}(${channels}): input has ${x.shape[3]} channels`);
  }
}
