// FETCH data items (RFC 3501 §6.4.5, §9 fetch-att; RFC 3516 BINARY; RFC 7162
// MODSEQ and the CHANGEDSINCE/VANISHED modifiers) → a typed FetchRequest that
// says what to load (cached envelope/structure, header block, raw message)
// and carries each item's response name.
import { MAX_SEQ_NUMBER, parseModSeq } from "./sequence.ts";
import { ParseError, type Token } from "./wire/tokens.ts";

export type SectionKind = "" | "HEADER" | "HEADER.FIELDS" | "HEADER.FIELDS.NOT" | "TEXT" | "MIME";

export interface Section {
  /** Part numbers (`1.2` → [1, 2]); empty for the whole message. */
  path: number[];
  kind: SectionKind;
  /** HEADER.FIELDS / HEADER.FIELDS.NOT field names, upper-cased; compare case-insensitively. */
  fields?: string[];
}

/** `<start.length>`: the response names only the start (`BODY[]<0>`). */
export interface FetchPartial {
  start: number;
  length: number;
}

type SimpleKind =
  | "uid"
  | "flags"
  | "internalDate"
  | "rfc822Size"
  | "envelope"
  /** Non-extensible BODYSTRUCTURE ("BODY" without a section). */
  | "body"
  | "bodyStructure"
  | "modseq"
  /** = BODY[], sets \Seen. */
  | "rfc822"
  /** = BODY.PEEK[HEADER]. */
  | "rfc822Header"
  /** = BODY[TEXT], sets \Seen. */
  | "rfc822Text";

export type FetchItem =
  | { kind: SimpleKind; name: string }
  | { kind: "bodySection"; peek: boolean; section: Section; partial?: FetchPartial; name: string }
  | { kind: "binary"; peek: boolean; path: number[]; partial?: FetchPartial; name: string }
  | { kind: "binarySize"; path: number[]; name: string };

/** What to load; a structural superset of the store's FetchNeeds, so it can be passed as is. */
export interface FetchRequestNeeds {
  flags: boolean;
  envelope: boolean;
  /** BODY or BODYSTRUCTURE. */
  bodyStructure: boolean;
  modseq: boolean;
  /** Some item reads the top-level header block (RFC822.HEADER, BODY[HEADER…]); enough alone when !body. */
  header: boolean;
  /** Some item needs the raw message: BODY[] and parts, BODY[TEXT], RFC822, RFC822.TEXT, BINARY. */
  body: boolean;
}

export interface FetchRequest {
  /**
   * Items in request order, de-duplicated by response name. UID FETCH adds
   * UID (RFC 3501 §6.4.8: UID is always returned) and CHANGEDSINCE adds MODSEQ
   * (RFC 7162 §3.1.4.1) when not asked for.
   */
  items: FetchItem[];
  /** A non-PEEK BODY[…], BINARY[…], RFC822 or RFC822.TEXT: set \Seen (read-write mailboxes only). */
  setsSeen: boolean;
  needs: FetchRequestNeeds;
  /** CHANGEDSINCE: only messages with a greater mod-sequence. */
  changedSince?: number;
  /** VANISHED modifier (UID FETCH with CHANGEDSINCE; QRESYNC must be enabled — the handler checks). */
  vanished: boolean;
}

export interface ParseFetchOptions {
  /** UID FETCH. */
  uid: boolean;
}

// RFC 3501 §6.4.5: "A macro must be used by itself".
const MACROS: Record<string, SimpleKind[]> = {
  ALL: ["flags", "internalDate", "rfc822Size", "envelope"],
  FAST: ["flags", "internalDate", "rfc822Size"],
  FULL: ["flags", "internalDate", "rfc822Size", "envelope", "body"],
};

const SIMPLE: Record<string, SimpleKind> = {
  UID: "uid",
  FLAGS: "flags",
  INTERNALDATE: "internalDate",
  "RFC822.SIZE": "rfc822Size",
  ENVELOPE: "envelope",
  BODY: "body",
  BODYSTRUCTURE: "bodyStructure",
  MODSEQ: "modseq",
  RFC822: "rfc822",
  "RFC822.HEADER": "rfc822Header",
  "RFC822.TEXT": "rfc822Text",
};

const NAME_OF: Record<SimpleKind, string> = Object.fromEntries(
  Object.entries(SIMPLE).map(([name, kind]) => [kind, name]),
) as Record<SimpleKind, string>;

const simple = (kind: SimpleKind): FetchItem => ({ kind, name: NAME_OF[kind] });

const SECTION_TEXT = new Set(["HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"]);

function parsePartNumber(s: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(s) || Number(s) > MAX_SEQ_NUMBER) {
    throw new ParseError(s === "0" ? "section part numbers start at 1" : "invalid section part number");
  }
  return Number(s);
}

// field-name (RFC 5322 §3.6.8): printable US-ASCII except ":".
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function quoteField(s: string): string {
  return `"${s.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

/** The section tokens of BODY[…] → Section plus its canonical spelling. */
function parseSection(tokens: Token[]): { section: Section; spelled: string } {
  if (tokens.length === 0) return { section: { path: [], kind: "" }, spelled: "" };
  const first = tokens[0];
  if (first.type !== "atom" || first.section) throw new ParseError("invalid section");
  const parts = first.value.split(".");
  if (parts.includes("")) throw new ParseError(`invalid section ${first.value}`);
  const path: number[] = [];
  let i = 0;
  while (i < parts.length && /^[0-9]/.test(parts[i])) path.push(parsePartNumber(parts[i++]));
  const text = parts.slice(i).join(".").toUpperCase();
  if (text && !SECTION_TEXT.has(text)) throw new ParseError(`invalid section ${first.value}`);
  const kind = text as SectionKind;
  if (kind === "MIME" && path.length === 0) throw new ParseError("MIME section needs a part number");
  let spelled = path.join(".");
  if (kind) spelled += (spelled ? "." : "") + kind;
  const section: Section = { path, kind };
  if (kind === "HEADER.FIELDS" || kind === "HEADER.FIELDS.NOT") {
    const list = tokens[1];
    if (!list || list.type !== "list") throw new ParseError(`${kind} needs a list of header field names`);
    if (list.items.length === 0) throw new ParseError(`${kind} needs at least one header field name`);
    if (tokens.length > 2) throw new ParseError("unexpected text in section");
    const fields: string[] = [];
    const echo: string[] = [];
    for (const f of list.items) {
      let name: string;
      if (f.type === "atom" && !f.section) name = f.value;
      else if (f.type === "string") name = f.value.toString("latin1");
      else throw new ParseError("header field names must be atoms or strings");
      if (!FIELD_NAME.test(name)) throw new ParseError("invalid header field name");
      name = name.toUpperCase();
      fields.push(name);
      // Echo upper-cased, like Dovecot; as an atom only when the response
      // grammar allows one (astring: no list-wildcards or quoted-specials).
      echo.push(/^[!#$&'+,\-.0-9;<=>?@A-Z^_`|~]+$/.test(name) ? name : quoteField(name));
    }
    section.fields = fields;
    spelled += ` (${echo.join(" ")})`;
  } else if (tokens.length > 1) {
    throw new ParseError("unexpected text in section");
  }
  return { section, spelled };
}

function parsePartial(p: { start: number; length?: number } | undefined): FetchPartial | undefined {
  if (!p) return undefined;
  // RFC 3501 §9: partial = "<" number "." nz-number ">"
  if (p.length === undefined) throw new ParseError("partial needs <start.length>");
  if (p.length === 0) throw new ParseError("partial length must not be 0");
  if (p.start > MAX_SEQ_NUMBER || p.length > MAX_SEQ_NUMBER) throw new ParseError("partial too large");
  return { start: p.start, length: p.length };
}

function parseAtt(t: Token): FetchItem {
  if (t.type !== "atom") throw new ParseError("FETCH attributes must be atoms");
  const upper = t.value.toUpperCase();
  if (t.section === undefined) {
    const kind = SIMPLE[upper];
    if (kind) return simple(kind);
    if (MACROS[upper]) throw new ParseError(`${upper} is a macro and must be used alone`);
    if (upper === "BODY.PEEK" || upper === "BINARY" || upper === "BINARY.PEEK" || upper === "BINARY.SIZE") {
      throw new ParseError(`${upper} needs a [section]`);
    }
    throw new ParseError(`unknown FETCH attribute ${t.value}`);
  }
  const partial = parsePartial(t.partial);
  const at = partial ? `<${partial.start}>` : "";
  if (upper === "BODY" || upper === "BODY.PEEK") {
    const { section, spelled } = parseSection(t.section);
    return {
      kind: "bodySection",
      peek: upper === "BODY.PEEK",
      section,
      ...(partial ? { partial } : {}),
      name: `BODY[${spelled}]${at}`,
    };
  }
  // RFC 3516 §7: section-binary = "[" [section-part] "]"
  const path: number[] = [];
  if (t.section.length > 1) throw new ParseError("invalid BINARY section");
  if (t.section.length === 1) {
    const s = t.section[0];
    if (s.type !== "atom" || s.section) throw new ParseError("invalid BINARY section");
    for (const part of s.value.split(".")) path.push(parsePartNumber(part));
  }
  const spelled = path.join(".");
  if (upper === "BINARY.SIZE") {
    if (partial) throw new ParseError("BINARY.SIZE takes no partial");
    return { kind: "binarySize", path, name: `BINARY.SIZE[${spelled}]` };
  }
  return {
    kind: "binary",
    peek: upper === "BINARY.PEEK",
    path,
    ...(partial ? { partial } : {}),
    name: `BINARY[${spelled}]${at}`,
  };
}

function parseModifiers(t: Token, opts: ParseFetchOptions, req: FetchRequest): void {
  if (t.type !== "list") throw new ParseError("expected a parenthesised list of FETCH modifiers");
  if (t.items.length === 0) throw new ParseError("empty FETCH modifier list");
  const items = t.items;
  for (let i = 0; i < items.length; i++) {
    const m = items[i];
    const name = m.type === "atom" && !m.section ? m.value.toUpperCase() : "";
    if (name === "CHANGEDSINCE") {
      if (req.changedSince !== undefined) throw new ParseError("CHANGEDSINCE given twice");
      // mod-sequence-value is positive, but CHANGEDSINCE 0 harmlessly means "all"; accept it.
      req.changedSince = parseModSeq(items[++i], "CHANGEDSINCE mod-sequence");
    } else if (name === "VANISHED") {
      if (req.vanished) throw new ParseError("VANISHED given twice");
      // RFC 7162 §3.2.6: BAD in FETCH (non-UID) and without CHANGEDSINCE.
      if (!opts.uid) throw new ParseError("VANISHED is only allowed in UID FETCH");
      req.vanished = true;
    } else {
      throw new ParseError(`unknown FETCH modifier ${m.type === "atom" ? m.value : ""}`.trim());
    }
  }
  if (req.vanished && req.changedSince === undefined) throw new ParseError("VANISHED needs CHANGEDSINCE");
}

/** `fetch-att / "(" fetch-att *(SP fetch-att) ")" [SP "(" fetch-modifiers ")"]` — the tokens after the sequence set. */
export function parseFetchRequest(args: readonly Token[], opts: ParseFetchOptions): FetchRequest {
  if (args.length === 0) throw new ParseError("missing FETCH attributes");
  if (args.length > 2) throw new ParseError("too many arguments");
  const spec = args[0];
  let requested: FetchItem[];
  if (spec.type === "list") {
    if (spec.items.length === 0) throw new ParseError("empty FETCH attribute list");
    requested = spec.items.map(parseAtt);
  } else if (spec.type === "atom" && !spec.section && MACROS[spec.value.toUpperCase()]) {
    requested = MACROS[spec.value.toUpperCase()].map(simple);
  } else {
    requested = [parseAtt(spec)];
  }
  const req: FetchRequest = {
    items: [],
    setsSeen: false,
    needs: { flags: false, envelope: false, bodyStructure: false, modseq: false, header: false, body: false },
    vanished: false,
  };
  if (args[1]) parseModifiers(args[1], opts, req);
  if (opts.uid) requested.push(simple("uid"));
  if (req.changedSince !== undefined) requested.push(simple("modseq"));

  const names = new Set<string>();
  const n = req.needs;
  for (const item of requested) {
    // Needs and \Seen from every item, even a repeated name (BODY.PEEK[] BODY[] sets \Seen).
    if (!names.has(item.name)) {
      names.add(item.name);
      req.items.push(item);
    }
    switch (item.kind) {
      case "flags":
        n.flags = true;
        break;
      case "envelope":
        n.envelope = true;
        break;
      case "body":
      case "bodyStructure":
        n.bodyStructure = true;
        break;
      case "modseq":
        n.modseq = true;
        break;
      case "rfc822":
      case "rfc822Text":
        n.body = true;
        req.setsSeen = true;
        break;
      case "rfc822Header":
        n.header = true;
        break;
      case "bodySection":
        if (!item.peek) req.setsSeen = true;
        if (item.section.path.length === 0 && item.section.kind.startsWith("HEADER")) n.header = true;
        else n.body = true;
        break;
      case "binary":
        if (!item.peek) req.setsSeen = true;
        n.body = true;
        break;
      case "binarySize":
        n.body = true;
        break;
      case "uid":
      case "internalDate":
      case "rfc822Size":
        break;
    }
  }
  return req;
}
