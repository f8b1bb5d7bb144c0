// Message flags (RFC 3501 §2.3.2): the five settable system flags, \Recent
// (server-managed, never settable), and keywords (flag-keyword = atom).
import { MAX_KEYWORD_LENGTH, MAX_KEYWORDS } from "./limits.ts";
import { ParseError, type Token } from "./wire/tokens.ts";

export type SystemFlag = "\\Seen" | "\\Answered" | "\\Flagged" | "\\Deleted" | "\\Draft";

/** In the order responses list them (as Dovecot does). */
export const SYSTEM_FLAGS: readonly SystemFlag[] = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];

const BY_LOWER = new Map<string, SystemFlag>(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

export interface FlagSet {
  system: Set<SystemFlag>;
  /** Keywords as the client spelled them, de-duplicated case-insensitively (first spelling wins). */
  keywords: string[];
}

/** The canonical spelling of a system flag, case-insensitively; undefined if it is not one of the five. */
export function systemFlag(name: string): SystemFlag | undefined {
  return BY_LOWER.get(name.toLowerCase());
}

// atom-specials (RFC 3501 §9): ( ) { SP CTL % * " \ ] — and atoms are 7-bit.
const ATOM = /^[\x21\x23-\x24\x26-\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]+$/;

/** Validate a flag-keyword; returns it unchanged. */
export function parseKeyword(value: string): string {
  if (!value) throw new ParseError("empty keyword");
  if (value.length > MAX_KEYWORD_LENGTH) throw new ParseError(`keyword longer than ${MAX_KEYWORD_LENGTH} characters`);
  if (!ATOM.test(value)) throw new ParseError(`invalid keyword ${JSON.stringify(value)}`);
  return value;
}

function parseFlag(t: Token, out: FlagSet, seen: Set<string>): void {
  if (t.type !== "atom" || t.section) throw new ParseError("flags must be atoms");
  const v = t.value;
  if (v.startsWith("\\")) {
    const sys = systemFlag(v);
    if (sys) {
      out.system.add(sys);
      return;
    }
    // RFC 3501 §2.3.2: \Recent "cannot be altered by the client".
    if (v.toLowerCase() === "\\recent") throw new ParseError("\\Recent can't be set");
    throw new ParseError(`unknown system flag ${v}`);
  }
  const kw = parseKeyword(v);
  const key = kw.toLowerCase();
  if (seen.has(key)) return;
  seen.add(key);
  out.keywords.push(kw);
  if (out.keywords.length > MAX_KEYWORDS) throw new ParseError(`more than ${MAX_KEYWORDS} keywords`);
}

/**
 * Flags for STORE and APPEND: a flag-list `(…)` (possibly empty), or for
 * STORE also bare flags `\Seen $Label1` (RFC 3501 §9 store-att-flags).
 */
export function parseFlags(arg: Token | readonly Token[]): FlagSet {
  const out: FlagSet = { system: new Set(), keywords: [] };
  const seen = new Set<string>();
  let items: readonly Token[];
  if (Array.isArray(arg)) {
    const tokens = arg as readonly Token[];
    if (tokens.length === 0) throw new ParseError("missing flags");
    if (tokens.length === 1 && tokens[0].type === "list") items = tokens[0].items;
    else items = tokens;
  } else {
    const t = arg as Token;
    items = t.type === "list" ? t.items : [t];
  }
  for (const t of items) {
    if (t.type === "list") throw new ParseError("flags must be atoms");
    parseFlag(t, out, seen);
  }
  return out;
}

export interface FormatFlagsOptions {
  /** The message is \Recent in this session. */
  recent?: boolean;
  /** Add `\*` (PERMANENTFLAGS: new keywords may be created). */
  wildcard?: boolean;
}

/** `(\Answered \Seen $Label1)` for FETCH FLAGS, FLAGS and PERMANENTFLAGS responses. */
export function formatFlags(
  flags: { system: Iterable<SystemFlag>; keywords: Iterable<string> },
  opts: FormatFlagsOptions = {},
): string {
  const have = new Set(flags.system);
  const parts: string[] = SYSTEM_FLAGS.filter((f) => have.has(f));
  if (opts.recent) parts.push("\\Recent");
  for (const k of flags.keywords) parts.push(k);
  if (opts.wildcard) parts.push("\\*");
  return `(${parts.join(" ")})`;
}
