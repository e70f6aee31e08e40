/**
 * oneDNN 2.x (`libdnnl.so.2`, Debian's `libdnnl2`) through Deno's FFI: the library handle, the
 * C API symbols we call, the ABI constants, and status checking.
 *
 * The struct sizes and enum values below are those of oneDNN 2.6's C headers
 * (`oneapi/dnnl/dnnl_types.h`), read with a C program at development time (see
 * `ffi-native-kernels.md`); the 2.x ABI keeps them. oneDNN 3.x removed the `*_desc_init`
 * functions this binding uses, so {@link openDnnl} refuses any major version but 2.
 *
 * Every call's status is checked ({@link check}): a failing call becomes a {@link DnnlError}
 * naming the function and what it was computing, never a silent wrong result.
 * @module
 */

/** Bytes of `dnnl_memory_desc_t` in the oneDNN 2.x ABI. */
export const MD_BYTES = 696;
/** Bytes of `dnnl_convolution_desc_t`. */
export const CONV_DESC_BYTES = 5976;
/** Bytes of `dnnl_matmul_desc_t`. */
export const MATMUL_DESC_BYTES = 2800;
/** Bytes of `dnnl_batch_normalization_desc_t`. */
export const BNORM_DESC_BYTES = 3496;
/** Bytes of `dnnl_eltwise_desc_t`. */
export const ELTWISE_DESC_BYTES = 1416;

/** `dnnl_data_type_t`, `dnnl_format_tag_t`, `dnnl_prop_kind_t`, ... values of oneDNN 2.6. */
export const C = Object.freeze({
  f32: 3,
  tagAny: 1,
  tagA: 2,
  tagAb: 3,
  tagAbc: 4,
  nchw: 5,
  nhwc: 20,
  hwio: 30,
  forwardTraining: 64,
  forwardInference: 96,
  backward: 128,
  backwardData: 160,
  backwardWeights: 192,
  convolutionDirect: 1,
  convolutionWinograd: 2,
  eltwiseRelu: 31,
  eltwiseTanhUseDst: 257,
  engineCpu: 1,
  streamDefault: 1,
  querySrc: 129,
  queryDiffSrc: 130,
  queryWeights: 131,
  queryDiffWeights: 132,
  queryDst: 133,
  queryDiffDst: 134,
  queryWorkspace: 135,
  queryImplInfo: 8,
  argSrc: 1,
  argWeights: 33,
  argBias: 41,
  argDst: 17,
  argDiffSrc: 129,
  argDiffWeights: 161,
  argDiffBias: 169,
  argDiffDst: 145,
  argFrom: 1,
  argTo: 17,
  argMean: 49,
  argVariance: 50,
  argWorkspace: 64,
  bnormNone: 0,
  runtimeOmp: 2,
});

const STATUS = ["success", "out_of_memory", "invalid_arguments", "unimplemented"];
STATUS[4] = "iterator_ends";
STATUS[5] = "runtime_error";
STATUS[6] = "not_required";

const SYMBOLS = {
  dnnl_version: { parameters: [], result: "pointer" },
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: "i32" },
  dnnl_stream_wait: { parameters: ["pointer"], result: "i32" },
  dnnl_memory_desc_init_by_tag: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32"],
    result: "i32",
  },
  dnnl_memory_desc_equal: { parameters: ["buffer", "buffer"], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: ["buffer"], result: "usize" },
  dnnl_memory_create: { parameters: ["buffer", "buffer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_memory_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_matmul_desc_init: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_batch_normalization_forward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_batch_normalization_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_eltwise_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "f32", "f32"],
    result: "i32",
  },
  dnnl_eltwise_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "f32"],
    result: "i32",
  },
  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "buffer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_primitive_desc_query: {
    parameters: ["pointer", "i32", "i32", "buffer"],
    result: "i32",
  },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_execute: {
    parameters: ["pointer", "pointer", "i32", "buffer"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened library's symbols. */
export type DnnlSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** A oneDNN call failed; the message names the function, the primitive and its shapes. */
export class DnnlError extends Error {
  /** The oneDNN status name (`invalid_arguments`, `unimplemented`, ...). */
  readonly status: string;
  /**
   * @param fn The C function that failed.
   * @param status Its `dnnl_status_t`.
   * @param what The primitive and shapes it was working on.
   */
  constructor(fn: string, status: number, what: string) {
    const name = STATUS[status] ?? `status ${status}`;
    super(`oneDNN ${fn} failed (${name}) for ${what}`);
    this.name = "DnnlError";
    this.status = name;
  }
}

/** Throws a {@link DnnlError} unless `status` is `dnnl_success`. */
export function check(status: number, fn: string, what: string): void {
  if (status !== 0) throw new DnnlError(fn, status, what);
}

/** The library, its engine and stream, and what it reported about itself. */
export interface Dnnl {
  /** The FFI symbols. */
  readonly sym: DnnlSymbols;
  /** `dnnl_engine_t` for the CPU. */
  readonly engine: Deno.PointerValue;
  /** `dnnl_stream_t` on that engine. */
  readonly stream: Deno.PointerValue;
  /** `major.minor.patch` as the library reports it. */
  readonly version: string;
  /** Path or soname that was opened. */
  readonly path: string;
  /** OpenMP threads in use (1 unless {@link openDnnl} was asked for more). */
  readonly threads: number;
}

/** Why oneDNN cannot be used here, in words a user can act on. */
export class DnnlUnavailableError extends Error {
  /** @param message What is missing and how to install it. */
  constructor(message: string) {
    super(message);
    this.name = "DnnlUnavailableError";
  }
}

/** The library path: `CYCLEBENCH_DNNL` if set, else the 2.x soname (`libdnnl.so.2`). */
export function dnnlPath(): string {
  let env: string | undefined;
  try {
    env = Deno.env.get("CYCLEBENCH_DNNL");
  } catch {
    env = undefined; // no --allow-env: use the soname
  }
  return env && env.length > 0 ? env : "libdnnl.so.2";
}

const INSTALL_HINT = "install it with `apt install libdnnl2` (Debian/Ubuntu) or set " +
  "CYCLEBENCH_DNNL to the path of a oneDNN 2.x libdnnl.so";

let opened: Dnnl | undefined;

/**
 * Opens oneDNN once per process (later calls return the same handle) and creates the CPU
 * engine and stream. `threads` sets OpenMP's thread count before any primitive exists.
 * Throws {@link DnnlUnavailableError} when FFI is not permitted, the library does not open, or
 * it is not version 2.x.
 */
export function openDnnl(threads = 1): Dnnl {
  if (opened) {
    if (opened.threads !== threads) {
      throw new DnnlUnavailableError(
        `oneDNN is already running with ${opened.threads} thread(s) in this process; ` +
          `cannot switch to ${threads}`,
      );
    }
    return opened;
  }
  const path = dnnlPath();
  let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    lib = Deno.dlopen(path, SYMBOLS);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (e instanceof Deno.errors.NotCapable || /allow-ffi|NotCapable|permission/i.test(msg)) {
      throw new DnnlUnavailableError(
        `the native backend needs FFI permission: run deno with --allow-ffi (or -A) (${msg})`,
      );
    }
    throw new DnnlUnavailableError(`cannot open oneDNN (${path}): ${msg}; ${INSTALL_HINT}`);
  }
  const sym = lib.symbols;
  const vp = sym.dnnl_version();
  if (vp === null) throw new DnnlUnavailableError(`${path}: dnnl_version() returned null`);
  const v = new Deno.UnsafePointerView(vp);
  const [major, minor, patch] = [v.getInt32(0), v.getInt32(4), v.getInt32(8)];
  const cpuRuntime = v.getUint32(24);
  const version = `${major}.${minor}.${patch}`;
  if (major !== 2) {
    lib.close();
    throw new DnnlUnavailableError(
      `${path} is oneDNN ${version}; the native backend binds the 2.x C API ` +
        `(libdnnl.so.2); ${INSTALL_HINT}`,
    );
  }
  if (threads !== 1 && cpuRuntime === C.runtimeOmp) setOmpThreads(threads);
  else if (threads === 1 && cpuRuntime === C.runtimeOmp) setOmpThreads(1);
  const out = new BigUint64Array(1);
  check(sym.dnnl_engine_create(out, C.engineCpu, 0n), "dnnl_engine_create", "the CPU engine");
  const engine = Deno.UnsafePointer.create(out[0]);
  check(sym.dnnl_stream_create(out, engine, C.streamDefault), "dnnl_stream_create", "a stream");
  const stream = Deno.UnsafePointer.create(out[0]);
  opened = Object.freeze({ sym, engine, stream, version, path, threads });
  return opened;
}

/** OpenMP's thread count for oneDNN's OpenMP runtime (Debian's build uses libgomp). */
function setOmpThreads(n: number): void {
  try {
    const gomp = Deno.dlopen("libgomp.so.1", {
      omp_set_num_threads: { parameters: ["i32"], result: "void" },
    });
    gomp.symbols.omp_set_num_threads(n);
    // Kept open: closing would unload the setting's owner.
  } catch (e) {
    throw new DnnlUnavailableError(
      `cannot set oneDNN's thread count: libgomp.so.1 did not open (${
        e instanceof Error ? e.message : e
      })`,
    );
  }
}

/**
 * Whether oneDNN 2.x can be opened here, without keeping it open or creating anything: for
 * `auto` and `deno task backends`. Never throws.
 */
export function probeDnnl(): { ok: true; detail: string } | { ok: false; why: string } {
  if (opened) return { ok: true, detail: `oneDNN ${opened.version} (${opened.path})` };
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      return { ok: false, why: "no FFI permission (run deno with --allow-ffi or -A)" };
    }
  } catch {
    return { ok: false, why: "cannot query the FFI permission" };
  }
  const path = dnnlPath();
  let lib: Deno.DynamicLibrary<{ dnnl_version: { parameters: []; result: "pointer" } }>;
  try {
    lib = Deno.dlopen(path, { dnnl_version: { parameters: [], result: "pointer" } });
  } catch (e) {
    return {
      ok: false,
      why: `cannot open ${path} (${e instanceof Error ? e.message : e}); ${INSTALL_HINT}`,
    };
  }
  try {
    const vp = lib.symbols.dnnl_version();
    if (vp === null) return { ok: false, why: `${path}: dnnl_version() returned null` };
    const v = new Deno.UnsafePointerView(vp);
    const version = `${v.getInt32(0)}.${v.getInt32(4)}.${v.getInt32(8)}`;
    if (v.getInt32(0) !== 2) {
      return { ok: false, why: `${path} is oneDNN ${version}, not 2.x; ${INSTALL_HINT}` };
    }
    return { ok: true, detail: `oneDNN ${version} (${path})` };
  } finally {
    lib.close();
  }
}
