// Reading option values the way every command does: a bad value is a usage
// error naming its option, before anything is looked up or changed.
import { readFile } from "node:fs/promises";
import { UsageError } from "./errors.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** All of stdin, without its final line break: secrets are piped, never put on the command line. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** A secret from stdin, refused when empty (an empty pipe is a mistake, not "no change"). */
export async function secretFromStdin(option: string): Promise<string> {
  const secret = await readStdin();
  if (!secret) throw new UsageError(`--${option} read nothing from stdin`);
  return secret;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T))
    throw new UsageError(`--${option} must be one of ${allowed.join(", ")}, got "${value}"`);
  return value as T;
}

export function portOpt(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new UsageError(`--${option} must be a port number, got "${value}"`);
  return n;
}

/** A whole number in [min, max]. */
export function intOpt(value: unknown, option: string, min: number, max: number, unit = ""): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value === "" || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${option} must be ${min}–${max}${unit}, got "${value}"`);
  return n;
}

export const str = (v: unknown) => (v === undefined ? undefined : String(v));

/** An id the database would refuse to compare: a usage error rather than a query error. */
export function uuidArg(value: string, what: string): string {
  if (!UUID.test(value)) throw new UsageError(`"${value}" is not ${what}`);
  return value;
}

/** Exactly one positional argument, or a usage error. */
export function onePositional(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
  return positionals[0];
}

/** Two options that contradict each other. */
export function notBoth(o: Record<string, unknown>, a: string, b: string): void {
  if (o[a] !== undefined && o[b] !== undefined) throw new UsageError(`--${a} and --${b} contradict each other`);
}

export async function readTextFile(file: string, option: string, maxBytes: number): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read --${option} ${file}: ${(err as Error).message}`);
  }
  if (Buffer.byteLength(text) > maxBytes)
    throw new UsageError(`--${option} ${file} is too big (${Math.round(maxBytes / 1e6)} MB at most)`);
  return text;
}
