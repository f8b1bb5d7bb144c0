// Where Postern keeps its state on disk. Every process (supervisor, gateway,
// portal, CLI) resolves the same directory, so the CLI finds the embedded
// database of a running server through POSTERN_DATA_DIR alone.
import path from "node:path";

export const DEFAULT_DATA_DIR = ".data";

export function dataDir(env: Record<string, string | undefined> = process.env): string {
  return path.resolve(env.POSTERN_DATA_DIR || DEFAULT_DATA_DIR);
}
