// Turns a framed command into tokens: atoms (with BODY[section]<partial>),
// strings (quoted or literal) and parenthesised lists. Command-specific
// grammar (sequence sets, flags, search keys) is applied by each command's
// parser on these tokens.
import { MAX_NESTING_DEPTH } from "../limits.ts";
import type { RawCommand } from "./receiver.ts";

export type Token =
  | { type: "atom"; value: string; section?: Token[]; partial?: { start: number; length?: number } }
  | { type: "string"; value: Buffer; literal: boolean }
  | { type: "list"; items: Token[] };

export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParseError";
  }
}

// fetch-att names that take a [section] (RFC 3501 §9 "section"; RFC 3516 BINARY).
const SECTION_ATOMS = new Set(["BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE"]);

const SP = 0x20;
const LPAREN = 0x28;
const RPAREN = 0x29;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const TILDE = 0x7e;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LT = 0x3c;

class Cursor {
  line = 0;
  pos = 0;
  constructor(readonly cmd: RawCommand) {}
  get buf(): Buffer {
    return this.cmd.lines[this.line];
  }
  atEndOfCommand(): boolean {
    return this.pos >= this.buf.length && this.line >= this.cmd.lines.length - 1;
  }
  atEndOfLine(): boolean {
    return this.pos >= this.buf.length;
  }
  peek(): number {
    return this.buf[this.pos];
  }
}

export interface TokenizedCommand {
  tag: string;
  tokens: Token[];
}

export function tokenize(cmd: RawCommand): TokenizedCommand {
  const c = new Cursor(cmd);
  const tagStart = c.pos;
  while (!c.atEndOfLine() && c.peek() !== SP) c.pos++;
  const tag = c.buf.subarray(tagStart, c.pos).toString("latin1");
  if (!tag || !/^[\x21-\x7e]+$/.test(tag) || /[(){%*"\\+]/.test(tag)) throw new ParseError("invalid tag");
  const tokens = readSequence(c, 0, null);
  return { tag, tokens };
}

/** Tokens until the end of the command, or until `close` (")" or "]"). */
function readSequence(c: Cursor, depth: number, close: number | null): Token[] {
  if (depth > MAX_NESTING_DEPTH) throw new ParseError("too deeply nested");
  const out: Token[] = [];
  for (;;) {
    if (c.atEndOfLine()) {
      if (c.line < c.cmd.lines.length - 1) throw new ParseError("unexpected literal position");
      if (close !== null) throw new ParseError(close === RPAREN ? "missing )" : "missing ]");
      return out;
    }
    const ch = c.peek();
    if (ch === SP) {
      c.pos++;
      continue;
    }
    if (close !== null && ch === close) {
      c.pos++;
      return out;
    }
    if (ch === RPAREN || (ch === RBRACKET && close === RBRACKET)) throw new ParseError("unexpected )");
    out.push(readToken(c, depth, close));
  }
}

function readToken(c: Cursor, depth: number, close: number | null): Token {
  const ch = c.peek();
  if (ch === LPAREN) {
    c.pos++;
    return { type: "list", items: readSequence(c, depth + 1, RPAREN) };
  }
  if (ch === DQUOTE) return readQuoted(c);
  if (ch === LBRACE || (ch === TILDE && c.buf[c.pos + 1] === LBRACE)) return readLiteral(c);
  return readAtom(c, depth, close);
}

function readQuoted(c: Cursor): Token {
  c.pos++;
  const bytes: number[] = [];
  const buf = c.buf;
  for (;;) {
    if (c.pos >= buf.length) throw new ParseError("unterminated quoted string");
    const ch = buf[c.pos++];
    if (ch === DQUOTE) break;
    if (ch === BACKSLASH) {
      const next = buf[c.pos++];
      if (next !== DQUOTE && next !== BACKSLASH) throw new ParseError("invalid escape in quoted string");
      bytes.push(next);
      continue;
    }
    if (ch === 0) throw new ParseError("NUL in quoted string");
    bytes.push(ch);
  }
  return { type: "string", value: Buffer.from(bytes), literal: false };
}

function readLiteral(c: Cursor): Token {
  const rest = c.buf.subarray(c.pos).toString("latin1");
  if (!/^~?\{\d+\+?\}$/.test(rest)) throw new ParseError("literal must end the line");
  const literal = c.cmd.literals[c.line];
  if (!literal) throw new ParseError("missing literal");
  c.line++;
  c.pos = 0;
  return { type: "string", value: literal, literal: true };
}

function isAtomEnd(ch: number, close: number | null): boolean {
  return (
    ch === SP ||
    ch === LPAREN ||
    ch === RPAREN ||
    ch === DQUOTE ||
    ch < 0x20 ||
    ch === 0x7f ||
    (close === RBRACKET && ch === RBRACKET)
  );
}

function readAtom(c: Cursor, depth: number, close: number | null): Token {
  const buf = c.buf;
  const start = c.pos;
  while (c.pos < buf.length && !isAtomEnd(buf[c.pos], close)) {
    if (buf[c.pos] === LBRACKET && SECTION_ATOMS.has(buf.subarray(start, c.pos).toString("latin1").toUpperCase())) {
      const value = buf.subarray(start, c.pos).toString("latin1");
      c.pos++;
      const section = readSequence(c, depth + 1, RBRACKET);
      let partial: { start: number; length?: number } | undefined;
      if (c.pos < buf.length && buf[c.pos] === LT) {
        const m = /^<(\d{1,10})(?:\.(\d{1,10}))?>/.exec(buf.subarray(c.pos, c.pos + 24).toString("latin1"));
        if (!m) throw new ParseError("invalid partial <start.length>");
        c.pos += m[0].length;
        partial = { start: Number(m[1]), length: m[2] === undefined ? undefined : Number(m[2]) };
      }
      if (c.pos < buf.length && !isAtomEnd(buf[c.pos], close)) throw new ParseError("unexpected text after section");
      return { type: "atom", value, section, partial };
    }
    if (buf[c.pos] === LBRACE) throw new ParseError("unexpected {");
    c.pos++;
  }
  if (c.pos === start) throw new ParseError("unexpected character");
  return { type: "atom", value: buf.subarray(start, c.pos).toString("utf8") };
}
