// Helpers that command parsers share to read typed arguments from tokens.
import { ParseError, type Token } from "./wire/tokens.ts";

export function expectNoArgs(args: Token[]): void {
  if (args.length) throw new ParseError("unexpected arguments");
}

export function expectCount(args: Token[], min: number, max = min): void {
  if (args.length < min) throw new ParseError("missing arguments");
  if (args.length > max) throw new ParseError("too many arguments");
}

/** astring: an atom or a string. */
export function astring(t: Token | undefined, what = "argument"): string {
  if (!t) throw new ParseError(`missing ${what}`);
  if (t.type === "atom" && !t.section) return t.value;
  if (t.type === "string") return t.value.toString("utf8");
  throw new ParseError(`${what} must be an atom or a string`);
}

export function astringBytes(t: Token | undefined, what = "argument"): Buffer {
  if (!t) throw new ParseError(`missing ${what}`);
  if (t.type === "atom" && !t.section) return Buffer.from(t.value, "utf8");
  if (t.type === "string") return t.value;
  throw new ParseError(`${what} must be an atom or a string`);
}

export function atomValue(t: Token | undefined, what = "argument"): string {
  if (!t || t.type !== "atom" || t.section) throw new ParseError(`expected ${what}`);
  return t.value;
}

export function listItems(t: Token | undefined, what = "list"): Token[] {
  if (!t || t.type !== "list") throw new ParseError(`expected a parenthesised ${what}`);
  return t.items;
}
