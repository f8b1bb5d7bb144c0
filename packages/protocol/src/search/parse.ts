// search = "SEARCH" [SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"]
//          [SP "CHARSET" SP astring] 1*(SP search-key)
// RFC 3501 §6.4.4 and §9; RFC 4466/4731 RETURN; RFC 7162 MODSEQ.
import { parseKeyword, type SystemFlag } from "../flags.ts";
import { parseModSeq, parseNumber, parseSequenceSet } from "../sequence.ts";
import { ParseError, type Token } from "../wire/tokens.ts";
import type {
  DateOp,
  EnvelopeField,
  ModSeqEntryType,
  ReturnOptions,
  SearchDate,
  SearchKey,
  SearchRequest,
} from "./types.ts";

/**
 * Deepest nesting of NOT, OR and parentheses. Bounds recursion here, in the
 * evaluator and in the store's SQL translation; clients that OR many terms
 * (`OR OR OR a b c d`) nest one level per term, so this is generous.
 */
export const MAX_SEARCH_DEPTH = 128;

/**
 * Most search keys (each NOT, OR and group counts) in one command. A 2 MiB
 * command of literals could otherwise carry ~200k keys, each evaluated for
 * every message.
 */
export const MAX_SEARCH_KEYS = 2000;

/** Charsets we search in; the BADCHARSET response code lists them. */
export const SEARCH_CHARSETS = ["UTF-8", "US-ASCII"] as const;

/**
 * CHARSET names one we don't support. Not a ParseError: RFC 3501 §6.4.4
 * requires a tagged NO (not BAD), with `[BADCHARSET (UTF-8 US-ASCII)]`.
 */
export class BadCharsetError extends Error {
  readonly code = "BADCHARSET";
  /** The response code, without brackets. */
  readonly responseCode = `BADCHARSET (${SEARCH_CHARSETS.join(" ")})`;
  constructor(readonly charset: string) {
    super(`${charset} is not supported`);
    this.name = "BadCharsetError";
  }
}

export interface ParseSearchOptions {
  /**
   * UTF8=ACCEPT (RFC 6855) or IMAP4rev2 is enabled: strings are UTF-8 by
   * default, and a CHARSET other than UTF-8 conflicts with that (RFC 6855 §3,
   * erratum 4029: BAD). `CHARSET UTF-8` stays accepted (RFC 9051 §6.4.4:
   * "redundant … permitted").
   */
  utf8Accept?: boolean;
}

const FLAG_KEYS: Record<string, [SystemFlag, boolean]> = {
  ANSWERED: ["\\Answered", true],
  DELETED: ["\\Deleted", true],
  DRAFT: ["\\Draft", true],
  FLAGGED: ["\\Flagged", true],
  SEEN: ["\\Seen", true],
  UNANSWERED: ["\\Answered", false],
  UNDELETED: ["\\Deleted", false],
  UNDRAFT: ["\\Draft", false],
  UNFLAGGED: ["\\Flagged", false],
  UNSEEN: ["\\Seen", false],
};

const ENVELOPE_KEYS: Record<string, EnvelopeField> = {
  BCC: "bcc",
  CC: "cc",
  FROM: "from",
  SUBJECT: "subject",
  TO: "to",
};

const DATE_KEYS: Record<string, ["internalDate" | "sentDate", DateOp]> = {
  BEFORE: ["internalDate", "before"],
  ON: ["internalDate", "on"],
  SINCE: ["internalDate", "since"],
  SENTBEFORE: ["sentDate", "before"],
  SENTON: ["sentDate", "on"],
  SENTSINCE: ["sentDate", "since"],
};

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** date-text (RFC 3501 §9): `d-MMM-yyyy` or `dd-MMM-yyyy`, month case-insensitive. */
export function parseSearchDate(text: string): SearchDate {
  const m = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/.exec(text);
  if (!m) throw new ParseError("invalid date (expected d-Mon-yyyy)");
  const month = MONTHS.indexOf(m[2].toLowerCase()) + 1;
  if (month === 0) throw new ParseError("invalid month in date");
  const year = Number(m[3]);
  const day = Number(m[1]);
  if (day < 1 || day > daysInMonth(year, month)) throw new ParseError("invalid day in date");
  return { year, month, day };
}

class Cursor {
  pos = 0;
  keys = 0;
  constructor(readonly tokens: readonly Token[]) {}
  next(): Token | undefined {
    return this.tokens[this.pos++];
  }
  peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  get done(): boolean {
    return this.pos >= this.tokens.length;
  }
}

function atomUpper(t: Token | undefined): string | undefined {
  return t && t.type === "atom" && !t.section ? t.value.toUpperCase() : undefined;
}

/** astring argument of a search key, decoded as UTF-8. */
function searchString(t: Token | undefined, key: string): string {
  if (!t) throw new ParseError(`${key} needs a string`);
  if (t.type === "atom" && !t.section) return t.value;
  if (t.type === "string") {
    try {
      return utf8.decode(t.value);
    } catch {
      throw new ParseError(`${key} string is not valid UTF-8`);
    }
  }
  throw new ParseError(`${key} needs a string`);
}

function dateArg(t: Token | undefined, key: string): SearchDate {
  // date = date-text / DQUOTE date-text DQUOTE
  if (t && t.type === "atom" && !t.section) return parseSearchDate(t.value);
  if (t && t.type === "string") return parseSearchDate(t.value.toString("latin1"));
  throw new ParseError(`${key} needs a date`);
}

// header-fld-name: an RFC 5322 field name (printable US-ASCII except ":").
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function parseKey(c: Cursor, depth: number): SearchKey {
  if (depth > MAX_SEARCH_DEPTH) throw new ParseError("search keys too deeply nested");
  if (++c.keys > MAX_SEARCH_KEYS) throw new ParseError("too many search keys");
  const t = c.next();
  if (!t) throw new ParseError("missing search key");
  if (t.type === "list") {
    if (t.items.length === 0) throw new ParseError("empty search key list");
    const inner = new Cursor(t.items);
    inner.keys = c.keys;
    const keys: SearchKey[] = [];
    while (!inner.done) keys.push(parseKey(inner, depth + 1));
    c.keys = inner.keys;
    return keys.length === 1 ? keys[0] : { type: "and", keys };
  }
  if (t.type === "string") throw new ParseError("unexpected string where a search key was expected");
  if (t.section) throw new ParseError(`unknown search key ${t.value}`);
  const name = t.value.toUpperCase();

  const flag = FLAG_KEYS[name];
  if (flag) return { type: "flag", flag: flag[0], present: flag[1] };
  const field = ENVELOPE_KEYS[name];
  if (field) return { type: "envelope", field, value: searchString(c.next(), name) };
  const date = DATE_KEYS[name];
  if (date) return { type: date[0], op: date[1], date: dateArg(c.next(), name) };

  switch (name) {
    case "ALL":
      return { type: "all" };
    case "RECENT":
      return { type: "recent" };
    // RFC 3501 §6.4.4: NEW = (RECENT UNSEEN); OLD = NOT RECENT.
    case "NEW":
      return { type: "and", keys: [{ type: "recent" }, { type: "flag", flag: "\\Seen", present: false }] };
    case "OLD":
      return { type: "not", key: { type: "recent" } };
    case "BODY":
      return { type: "body", value: searchString(c.next(), name) };
    case "TEXT":
      return { type: "text", value: searchString(c.next(), name) };
    case "HEADER": {
      const fieldName = searchString(c.next(), "HEADER field name");
      if (!FIELD_NAME.test(fieldName)) throw new ParseError("invalid HEADER field name");
      return { type: "header", field: fieldName.toLowerCase(), value: searchString(c.next(), name) };
    }
    case "KEYWORD":
    case "UNKEYWORD": {
      const kw = c.next();
      if (!kw || kw.type !== "atom" || kw.section) throw new ParseError(`${name} needs a keyword`);
      return { type: "keyword", keyword: parseKeyword(kw.value), present: name === "KEYWORD" };
    }
    case "LARGER":
    case "SMALLER":
      return {
        type: "size",
        op: name === "LARGER" ? "larger" : "smaller",
        size: parseNumber(c.next(), `${name} size`),
      };
    case "NOT":
      return { type: "not", key: parseKey(c, depth + 1) };
    case "OR": {
      const left = parseKey(c, depth + 1);
      const right = parseKey(c, depth + 1);
      return { type: "or", left, right };
    }
    case "UID":
      return { type: "uid", set: parseSequenceSet(c.next(), { what: "UID set" }) };
    case "MODSEQ":
      return parseModSeqKey(c);
  }
  if (/^[0-9*$]/.test(name)) return { type: "seq", set: parseSequenceSet(t) };
  throw new ParseError(`unknown search key ${t.value}`);
}

// search-modsequence = "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer
function parseModSeqKey(c: Cursor): SearchKey {
  const first = c.peek();
  if (first?.type === "string") {
    c.next();
    const entryName = first.value.toString("latin1");
    // entry-flag-name = DQUOTE "/flags/" attr-flag DQUOTE
    if (!/^\/flags\/\\?[^\s\\]+$/i.test(entryName)) throw new ParseError("invalid MODSEQ entry name");
    const type = atomUpper(c.next())?.toLowerCase();
    if (type !== "priv" && type !== "shared" && type !== "all") {
      throw new ParseError("MODSEQ entry type must be priv, shared or all");
    }
    const modseq = parseModSeq(c.next(), "MODSEQ value");
    return { type: "modseq", modseq, entry: { name: entryName, type: type as ModSeqEntryType } };
  }
  return { type: "modseq", modseq: parseModSeq(c.next(), "MODSEQ value") };
}

function parseReturn(t: Token | undefined): ReturnOptions {
  if (!t || t.type !== "list") throw new ParseError("RETURN needs a parenthesised list");
  const opts: ReturnOptions = { min: false, max: false, count: false, all: false };
  if (t.items.length === 0) return { ...opts, all: true }; // RFC 4731 §3.1: "()" = "(ALL)"
  for (const item of t.items) {
    const name = atomUpper(item);
    switch (name) {
      case "MIN":
        opts.min = true;
        break;
      case "MAX":
        opts.max = true;
        break;
      case "COUNT":
        opts.count = true;
        break;
      case "ALL":
        opts.all = true;
        break;
      // RFC 5182 SEARCHRES: not advertised.
      case "SAVE":
        throw new ParseError("RETURN (SAVE) is not supported");
      default:
        throw new ParseError(`unknown RETURN option ${item.type === "atom" ? item.value : ""}`.trim());
    }
  }
  return opts;
}

/** The tokens after `SEARCH` (or `UID SEARCH`). Throws ParseError (→ BAD) or BadCharsetError (→ NO). */
export function parseSearch(tokens: readonly Token[], opts: ParseSearchOptions = {}): SearchRequest {
  const c = new Cursor(tokens);
  let returnOptions: ReturnOptions | undefined;
  let charset: SearchRequest["charset"] = opts.utf8Accept ? "UTF-8" : "US-ASCII";
  if (atomUpper(c.peek()) === "RETURN") {
    c.next();
    returnOptions = parseReturn(c.next());
  }
  if (atomUpper(c.peek()) === "CHARSET") {
    c.next();
    const t = c.next();
    if (!t || t.type === "list" || (t.type === "atom" && t.section)) throw new ParseError("CHARSET needs a name");
    const given = t.type === "atom" ? t.value : t.value.toString("latin1");
    const upper = given.toUpperCase();
    if (opts.utf8Accept && upper !== "UTF-8") throw new ParseError("CHARSET conflicts with UTF8=ACCEPT");
    if (upper !== "UTF-8" && upper !== "US-ASCII") throw new BadCharsetError(given);
    charset = upper;
  }
  if (c.done) throw new ParseError("missing search criteria");
  const keys: SearchKey[] = [];
  while (!c.done) keys.push(parseKey(c, 0));
  return {
    charset,
    ...(returnOptions ? { returnOptions } : {}),
    key: keys.length === 1 ? keys[0] : { type: "and", keys },
  };
}
