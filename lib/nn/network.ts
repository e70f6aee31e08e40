/**
 * A built network: the module tree of `module.ts` with its tensors allocated as named
 * `tf.Variable`s and initialised as the official `init_net` / `init_weights`.
 *
 * ```ts
 * import { tf } from "../tf.ts";
 * import { instantiate } from "./network.ts";
 * import { conv2dModule } from "./module.ts";
 * import { Rng } from "./rng.ts";
 * const net = instantiate(conv2dModule(3, 8, { kernel: 3, padding: 1 }), {
 *   variant: "demo", rng: new Rng(0), initType: "normal", initGain: 0.02,
 * });
 * const y = net.apply(tf.zeros([1, 16, 16, 3]) as tf.Tensor4D, { training: true });
 * net.dispose();
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import { initConvWeight, type InitType, torchToTfjs } from "./init.ts";
import {
  type CheckpointFn,
  countParameters,
  describeModule,
  type ForwardContext,
  type Module,
  namedBuffers,
  namedParameters,
  Scope,
} from "./module.ts";
import { Rng } from "./rng.ts";

/** Options of {@link Network.apply}. */
export interface ApplyOptions {
  /**
   * Training mode: BatchNorm uses (and updates) batch statistics, Dropout drops. Note that the
   * official test.py leaves the networks in training mode unless `--eval` is given.
   */
  training: boolean;
  /** Source of dropout masks; required when dropout runs in training mode. */
  rng?: Rng;
  /**
   * Optional memory saver for the residual blocks, e.g. `recompute` from lib/backend/memory.ts:
   * each block then keeps only its input for the backward pass and is re-run there. Dropout
   * re-draws the same mask and BatchNorm updates its running statistics once, so the result and
   * gradients equal the plain pass.
   */
  checkpoint?: CheckpointFn;
}

/** A network with allocated, initialised parameters. */
export interface Network {
  /** Registry name of the architecture (`resnet_9blocks`, `basic`, ...). */
  readonly variant: string;
  /** Prefix of the tfjs variable names (`G_A` gives `G_A/model.1.weight`). */
  readonly label: string;
  /** The architecture. */
  readonly module: Module;
  /** Input channels the network expects. */
  readonly inputChannels: number;
  /** Learnable parameters by official state_dict key (`model.1.weight`); tfjs layout. */
  readonly params: Readonly<Record<string, tf.Variable>>;
  /** BatchNorm running statistics by key (`model.2.running_mean`); not trainable. */
  readonly buffers: Readonly<Record<string, tf.Variable>>;
  /** Runs the network on an NHWC batch; leaves nothing behind but the result. */
  apply(x: tf.Tensor4D, options: ApplyOptions): tf.Tensor4D;
  /** The official-style printout of the architecture, one line per entry. */
  describe(): string[];
  /** Number of learnable parameters (as the official `print_networks`). */
  numParameters(): number;
  /** Frees every variable. */
  dispose(): void;
}

/** Options of {@link instantiate}. */
export interface InstantiateOptions {
  /** Registry name, recorded on the network. */
  variant: string;
  /** Source of every initial weight, drawn in module order. */
  rng: Rng;
  /** `--init_type`. */
  initType: InitType;
  /** `--init_gain`. */
  initGain: number;
  /**
   * Prefix of the tfjs variable names, which must be unique among live variables (tfjs keeps a
   * global registry). Default: the variant plus a process-wide counter.
   */
  label?: string;
  /** Input channels, checked by `apply`; default: taken from the first conv. */
  inputChannels?: number;
}

let instances = 0;

/**
 * Allocates and initialises every parameter of `module` as the official `init_weights`:
 * conv and transposed-conv weights by `initType` with `initGain`, biases 0, BatchNorm weight
 * N(1, initGain) and bias 0; BatchNorm running mean 0 and variance 1.
 */
export function instantiate(module: Module, options: InstantiateOptions): Network {
  const label = options.label ?? `${options.variant}#${++instances}`;
  const params: Record<string, tf.Variable> = {};
  const buffers: Record<string, tf.Variable> = {};
  const tensors = new Map<string, tf.Tensor>();
  const bufferMap = new Map<string, tf.Variable>();
  const spec = { type: options.initType, gain: options.initGain, rng: options.rng };
  try {
    for (const p of namedParameters(module)) {
      const n = p.torchShape.reduce((a, b) => a * b, 1);
      let data: Float32Array;
      switch (p.kind) {
        case "conv":
        case "conv_transpose":
          data = torchToTfjs(initConvWeight(p.torchShape, spec), p.torchShape);
          break;
        case "bn_weight":
          data = options.rng.fillNormal(n, 1, options.initGain);
          break;
        case "bias":
        case "bn_bias":
          data = new Float32Array(n);
          break;
      }
      const v = makeVariable(data, p.shape, true, `${label}/${p.fullName}`);
      params[p.fullName] = v;
      tensors.set(p.fullName, v);
    }
    for (const b of namedBuffers(module)) {
      const n = b.shape.reduce((x, y) => x * y, 1);
      const v = makeVariable(
        new Float32Array(n).fill(b.fill),
        b.shape,
        false,
        `${label}/${b.fullName}`,
      );
      buffers[b.fullName] = v;
      tensors.set(b.fullName, v);
      bufferMap.set(b.fullName, v);
    }
  } catch (e) {
    tf.dispose([...Object.values(params), ...Object.values(buffers)]);
    throw e;
  }
  const inputChannels = options.inputChannels ?? firstConvInput(module);
  let disposed = false;
  return {
    variant: options.variant,
    label,
    module,
    inputChannels,
    params,
    buffers,
    apply(x, applyOptions) {
      if (disposed) throw new Error(`${label}.apply(): the network was disposed`);
      if (x.rank !== 4 || x.shape[3] !== inputChannels) {
        throw new RangeError(
          `${label}.apply(): expected an NHWC batch with ${inputChannels} channels, got shape ` +
            `[${x.shape.join(", ")}]`,
        );
      }
      const ctx: ForwardContext = {
        tensors,
        buffers: bufferMap,
        training: applyOptions.training,
        rng: applyOptions.rng,
        updateBuffers: true,
        checkpoint: applyOptions.checkpoint,
      };
      return tf.tidy(() => module.forward(x, new Scope(ctx, "")));
    },
    describe() {
      return describeModule(module);
    },
    numParameters() {
      return countParameters(module);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose([...Object.values(params), ...Object.values(buffers)]);
    },
  };
}

function makeVariable(
  data: Float32Array,
  shape: readonly number[],
  trainable: boolean,
  name: string,
): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(data, [...shape]), trainable, name));
}

function firstConvInput(m: Module): number {
  const p = m.params.find((q) => q.kind === "conv" || q.kind === "conv_transpose");
  if (p) return p.kind === "conv" ? p.torchShape[1] : p.torchShape[0];
  for (const [, child] of m.children) {
    const c = firstConvInput(child);
    if (c > 0) return c;
  }
  return 0;
}

/**
 * Runs `f(x, scope)` for the subtree `m` through the context's checkpoint wrapper, if any.
 * The wrapper receives the subtree's parameters explicitly (so `tf.variableGrads` still sees
 * them), the re-run draws the same dropout mask (the rng state is replayed) and BatchNorm
 * updates its running statistics only on the first run.
 */
export function checkpointed(
  m: Module,
  x: tf.Tensor4D,
  scope: Scope,
  f: (x: tf.Tensor4D, scope: Scope) => tf.Tensor4D,
): tf.Tensor4D {
  const hook = scope.ctx.checkpoint;
  if (hook === undefined) return f(x, scope);
  const names = namedParameters(m, scope.path).map((p) => p.fullName);
  const tensors = names.map((n) => scope.ctx.tensors.get(n)!);
  const outerRng = scope.ctx.rng;
  const start = outerRng?.state();
  let after: ReturnType<Rng["state"]> | undefined;
  let runs = 0;
  const run = (xi: tf.Tensor, ts: tf.Tensor[]): tf.Tensor => {
    const overrides = new Map(scope.ctx.tensors);
    names.forEach((n, i) => overrides.set(n, ts[i]));
    const rng = start === undefined ? undefined : Rng.fromState(start);
    const ctx: ForwardContext = {
      ...scope.ctx,
      tensors: overrides,
      rng,
      updateBuffers: scope.ctx.updateBuffers && runs === 0,
      checkpoint: undefined,
    };
    const y = f(xi as tf.Tensor4D, scope.with(ctx));
    if (runs === 0 && rng !== undefined) after = rng.state();
    runs++;
    return y;
  };
  const y = hook(run, x, tensors) as tf.Tensor4D;
  if (outerRng !== undefined && after !== undefined) outerRng.setState(after);
  return y;
}

/**
 * The official `print_networks` line: `[Network G_A] Total number of parameters : 11.378 M`.
 */
export function parameterLine(label: string, count: number): string {
  return `[Network ${label}] Total number of parameters : ${(count / 1e6).toFixed(3)} M`;
}
