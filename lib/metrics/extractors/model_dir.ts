/**
 * TensorFlow.js model directories on the local disk: `model.json` plus its weight shards, the
 * layout `tensorflowjs_converter` writes and `model.save("file://...")` writes in tfjs-node.
 * Deno has no `file://` handler in tfjs, so {@link modelDirHandler} is one, for loading (graph
 * and layers models) and saving (layers models, used by the tests to make small models).
 *
 * ```ts
 * import { loadModelDir } from "./model_dir.ts";
 * const model = await loadModelDir("weights/inception_v3_tfjs");
 * const y = model.predict(x);   // x: [n, h, w, 3]
 * model.dispose();
 * ```
 * @module
 */
import {
  type GraphModel,
  type LayersModel,
  loadGraphModel,
  loadLayersModel,
} from "@tensorflow/tfjs";
import { tf } from "../../tf.ts";
import { ensureDir, joinPath, writeFileAtomic } from "../../io/atomic.ts";
import { MetricError } from "../features.ts";

const SHARD = "group1-shard1of1.bin";

async function readModelJson(dir: string): Promise<tf.io.ModelJSON> {
  const path = joinPath(dir, "model.json");
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new MetricError(
      `cannot read the TensorFlow.js model "${path}": ${(e as Error).message} (expected a ` +
        `directory with model.json and its weight shards)`,
    );
  }
  try {
    const json = JSON.parse(text);
    if (typeof json !== "object" || json === null || !json.modelTopology) {
      throw new Error("no modelTopology");
    }
    return json as tf.io.ModelJSON;
  } catch (e) {
    throw new MetricError(`"${path}" is not a TensorFlow.js model.json: ${(e as Error).message}`);
  }
}

/**
 * An `IOHandler` for the model directory `dir`: `load()` reads `model.json` and concatenates
 * the shards its weights manifest lists (paths relative to `dir`); `save()` writes one shard
 * and `model.json`, each atomically.
 */
export function modelDirHandler(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const json = await readModelJson(dir);
      return await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) {
            const path = joinPath(dir, p);
            try {
              const bytes = await Deno.readFile(path);
              buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
            } catch (e) {
              throw new MetricError(`cannot read weight shard "${path}": ${(e as Error).message}`);
            }
          }
        }
        return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
      });
    },
    async save(artifacts) {
      await ensureDir(dir);
      const data = artifacts.weightData;
      const weights = data === undefined
        ? new ArrayBuffer(0)
        : Array.isArray(data)
        ? tf.io.concatenateArrayBuffers(data)
        : data;
      await writeFileAtomic(joinPath(dir, SHARD), new Uint8Array(weights));
      // The model.json fields tfjs defines (its own builder is not exported by tfjs-core).
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [SHARD], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.signature ? { signature: artifacts.signature } : {}),
        ...(artifacts.userDefinedMetadata
          ? { userDefinedMetadata: artifacts.userDefinedMetadata }
          : {}),
      };
      await writeFileAtomic(joinPath(dir, "model.json"), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** A loaded model directory, graph or layers, behind one call. */
export interface LoadedModel {
  /** `"graph-model"` or `"layers-model"` (from `model.json`'s `format`). */
  readonly format: "graph-model" | "layers-model";
  /** Input shape as the model declares it (`-1`/`null` for free dimensions), if it does. */
  readonly inputShape?: readonly (number | null)[];
  /** Runs the model on one input; `output` names a graph node (default: the model's output). */
  predict(x: tf.Tensor, output?: string): tf.Tensor;
  /** Frees the weights. */
  dispose(): void;
}

/**
 * Loads the TensorFlow.js model in `dir` as a graph model (`format: "graph-model"`, what
 * `tensorflowjs_converter` makes from a SavedModel or frozen graph) or a layers model (Keras
 * conversions and `model.save()`), from `model.json`'s `format` field.
 */
export async function loadModelDir(dir: string): Promise<LoadedModel> {
  const json = await readModelJson(dir);
  const handler = modelDirHandler(dir);
  if (json.format === "graph-model") {
    const model: GraphModel = await loadGraphModel(handler);
    return {
      format: "graph-model",
      inputShape: model.inputs[0]?.shape,
      predict: (x, output) => {
        const y = output ? model.execute(x, output) : model.predict(x);
        if (Array.isArray(y) || !(y instanceof tf.Tensor)) {
          for (const t of Object.values(y)) (t as tf.Tensor).dispose();
          throw new MetricError(
            `the graph model in "${dir}" has several outputs; name one with the "output" option`,
          );
        }
        return y;
      },
      dispose: () => model.dispose(),
    };
  }
  const model: LayersModel = await loadLayersModel(handler);
  return {
    format: "layers-model",
    inputShape: model.inputs[0]?.shape,
    predict: (x) => {
      const y = model.predict(x);
      if (Array.isArray(y)) {
        tf.dispose(y);
        throw new MetricError(`the layers model in "${dir}" has several outputs; expected one`);
      }
      return y;
    },
    dispose: () => model.dispose(),
  };
}
