/**
 * YAML files with source positions, so every config error can say `file:line:column`.
 * @module
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/** A position in a file, 1-based. */
export interface SourcePos {
  /** The file, as given. */
  file: string;
  /** Line, from 1 (0 when the file could not be read). */
  line: number;
  /** Column, from 1. */
  col: number;
}

/** One problem found in a config, with where it is and what was expected. */
export interface ConfigProblem {
  /** Where: file, line and column (of the key, or of the value when that is what is wrong). */
  pos: SourcePos;
  /** Dotted key path, e.g. `grid.netG[1]`. */
  path: string;
  /** What is wrong, quoting what was given and saying what is allowed. */
  message: string;
}

/** Formats problems as `file:line:col: path: message`, one per line. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) =>
    `${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.path ? `${p.path}: ` : ""}${p.message}`
  )
    .join("\n");
}

/** Every problem of a config, thrown at once. */
export class ConfigError extends Error {
  /** The problems, in file order. */
  readonly problems: readonly ConfigProblem[];
  /**
   * Makes the error from every problem found.
   * @param problems Every problem found.
   */
  constructor(problems: readonly ConfigProblem[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? "" : "s"} in the config:\n${
        formatProblems(problems)
      }`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** A parsed YAML file: its plain value and a way to locate any key path in it. */
export interface YamlFile {
  /** Absolute or given path of the file. */
  file: string;
  /** The document as plain JS values. */
  value: unknown;
  /** Position of the key at `path` (or of the closest existing parent). */
  locate(path: readonly (string | number)[], what?: "key" | "value"): SourcePos;
}

/** Parses YAML text; syntax errors become a {@link ConfigError} with line and column. */
export function parseYaml(text: string, file: string): YamlFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => {
      const { line, col } = lc.linePos(e.pos[0]);
      return {
        pos: { file, line, col },
        path: "",
        message: `YAML syntax error: ${e.message.split("\n")[0]}`,
      };
    }));
  }
  const at = (offset: number): SourcePos => ({ file, ...lc.linePos(offset) });
  const locate = (path: readonly (string | number)[], what: "key" | "value" = "key"): SourcePos => {
    let node: unknown = doc.contents;
    let pos = at(0);
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) =>
          isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg)
        );
        if (!pair) return pos;
        const key = pair.key as Node;
        pos = at(
          what === "value" && pair.value && (pair.value as Node).range
            ? (pair.value as Node).range![0]
            : key.range?.[0] ?? 0,
        );
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number" && node.items[seg]) {
        const item = node.items[seg] as Node;
        pos = at(item.range?.[0] ?? 0);
        node = item;
      } else {
        return pos;
      }
    }
    return pos;
  };
  return { file, value: doc.toJS() ?? {}, locate };
}

/** Reads and parses a YAML file; an unreadable file is a {@link ConfigError} naming it. */
export async function readYaml(file: string): Promise<YamlFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new ConfigError([{
      pos: { file, line: 0, col: 0 },
      path: "",
      message: `cannot read the file: ${(e as Error).message}`,
    }]);
  }
  return parseYaml(text, file);
}
