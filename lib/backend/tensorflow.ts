/**
 * `tensorflow`: tfjs-node-gpu (CUDA) or tfjs-node (CPU), i.e. libtensorflow through Node-API.
 *
 * Their install scripts download libtensorflow, so they cannot be installed without internet
 * and are never a dependency here. They are used only when a user has installed one into a
 * `node_modules/` folder (with the binding built), found from the working directory upwards or
 * from this project's root:
 *
 * ```sh
 * deno install --node-modules-dir=auto --allow-scripts=npm:@tensorflow/tfjs-node-gpu \
 *   npm:@tensorflow/tfjs-node-gpu@4.22.0
 * ```
 *
 * Loading such a package needs Deno's `--allow-ffi` (Node-API addons). The package carries its
 * own copy of tfjs-core; tfjs keeps its engine and kernel registry in a global, so the backend it
 * registers is the one ours sees (same version, 4.22.0, required).
 * @module
 */
import { tf } from "../tf.ts";
import { createRequire } from "node:module";
import { type BackendEntry, BackendUnavailableError, type Probe } from "./types.ts";

/** Packages tried, best first. */
export const TFJS_NODE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/** How to install, printed whenever the backend is asked for but missing. */
export const TFJS_NODE_INSTALL_HINT =
  "install it where internet is available with `deno install --node-modules-dir=auto " +
  "--allow-scripts=npm:@tensorflow/tfjs-node-gpu npm:@tensorflow/tfjs-node-gpu@4.22.0` " +
  "(or tfjs-node for CPU) in the project folder, or use --backend wasm";

/** Folders searched for `node_modules`: cwd and its parents, then the project root. */
function searchRoots(): string[] {
  const roots: string[] = [];
  let dir = Deno.cwd();
  for (;;) {
    roots.push(dir);
    const parent = dir.replace(/\/[^/]+\/?$/, "");
    if (parent === dir || parent === "") break;
    dir = parent;
  }
  const project = new URL("../../", import.meta.url);
  if (project.protocol === "file:") roots.push(decodeURIComponent(project.pathname));
  return [...new Set(roots.map((r) => r.replace(/\/$/, "")))];
}

function hasBinding(pkgDir: string): boolean {
  try {
    for (const entry of Deno.readDirSync(`${pkgDir}/lib`)) {
      if (!entry.isDirectory || !entry.name.startsWith("napi-v")) continue;
      try {
        Deno.statSync(`${pkgDir}/lib/${entry.name}/tfjs_binding.node`);
        return true;
      } catch { /* try the next napi version */ }
    }
  } catch { /* no lib folder */ }
  return false;
}

/** Finds an installed tfjs-node(-gpu) with a built binding. */
export function findTfjsNode(): { pkg: string; root: string } | { missing: string } {
  const notes: string[] = [];
  for (const root of searchRoots()) {
    for (const pkg of TFJS_NODE_PACKAGES) {
      const dir = `${root}/node_modules/${pkg}`;
      try {
        Deno.statSync(`${dir}/package.json`);
      } catch {
        continue;
      }
      if (hasBinding(dir)) return { pkg, root };
      notes.push(`${dir} has no built binding (its install script did not run)`);
    }
  }
  return {
    missing: notes.length > 0
      ? notes.join("; ")
      : `neither ${TFJS_NODE_PACKAGES.join(" nor ")} is installed in a node_modules folder`,
  };
}

/** The libtensorflow backend through tfjs-node(-gpu). */
export const tensorflow: BackendEntry = {
  name: "tensorflow",
  description:
    "tfjs-node-gpu (CUDA) or tfjs-node (libtensorflow); optional, needs internet to install",
  probe(): Promise<Probe> {
    const found = findTfjsNode();
    return Promise.resolve(
      "pkg" in found
        ? { ok: true, detail: `${found.pkg} in ${found.root}/node_modules` }
        : { ok: false, why: found.missing },
    );
  },
  async activate() {
    const found = findTfjsNode();
    if (!("pkg" in found)) {
      throw new BackendUnavailableError(
        "tensorflow",
        `backend "tensorflow" is not installed: ${found.missing}; ${TFJS_NODE_INSTALL_HINT}`,
      );
    }
    let version = "unknown";
    try {
      const require = createRequire(`${found.root}/node_modules/`);
      const mod = require(found.pkg) as { version?: { "tfjs-node"?: string } };
      version = mod.version?.["tfjs-node"] ?? version;
    } catch (e) {
      throw new BackendUnavailableError(
        "tensorflow",
        `backend "tensorflow": loading ${found.pkg} failed (${(e as Error).message}); ` +
          `run with --allow-ffi, or ${TFJS_NODE_INSTALL_HINT}`,
      );
    }
    if (!(await tf.setBackend("tensorflow"))) {
      throw new BackendUnavailableError(
        "tensorflow",
        `backend "tensorflow": ${found.pkg} loaded but did not register; it must be tfjs 4.22.0`,
      );
    }
    await tf.ready();
    return {
      name: "tensorflow",
      tfjsBackend: "tensorflow",
      version: `${found.pkg} ${version}`,
      device: found.pkg.endsWith("-gpu") ? "gpu (CUDA via libtensorflow)" : "cpu (libtensorflow)",
      threads: navigator.hardwareConcurrency ?? 1,
      convGradients: "tfjs",
    };
  },
};
