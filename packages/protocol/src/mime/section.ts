// FETCH BODY[section]<partial> (RFC 3501 §6.4.5): which bytes of the raw
// message a section names. Sections are cut from the message as stored,
// never re-encoded. A part that does not exist yields no bytes rather than
// an error, as Dovecot answers; so does HEADER/TEXT of a part that is not a
// message/rfc822.
import { ParseError, type Token } from "../wire/tokens.ts";
import { readHeader } from "./fields.ts";
import type { MimePart } from "./parse.ts";

export type SectionKind = "" | "HEADER" | "HEADER.FIELDS" | "HEADER.FIELDS.NOT" | "TEXT" | "MIME";

export interface SectionSpec {
  /** Part numbers (`1.2` → [1, 2]); empty for the message itself. */
  path: number[];
  kind: SectionKind;
  /** HEADER.FIELDS / HEADER.FIELDS.NOT names; matched case-insensitively. */
  fields?: string[];
}

const KINDS = new Set<string>(["HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"]);

/** field-name (RFC 5322 §3.6.8): printable US-ASCII except ":". */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/** The tokens inside `BODY[...]` → a SectionSpec (RFC 3501 §9 `section-spec`). Throws ParseError. */
export function parseSection(tokens: Token[]): SectionSpec {
  if (tokens.length === 0) return { path: [], kind: "" };
  const first = tokens[0];
  if (first.type !== "atom" || first.section) throw new ParseError("invalid section");
  const pieces = first.value.split(".");
  if (pieces.includes("")) throw new ParseError(`invalid section ${first.value}`);
  const path: number[] = [];
  let i = 0;
  for (; i < pieces.length && /^\d/.test(pieces[i]); i++) {
    // nz-number: no 0, no leading zeros; part numbers fit in 32 bits.
    if (!/^[1-9]\d{0,9}$/.test(pieces[i]) || Number(pieces[i]) > 0xffffffff) {
      throw new ParseError(`invalid section part number ${pieces[i]}`);
    }
    path.push(Number(pieces[i]));
  }
  const text = pieces.slice(i).join(".").toUpperCase();
  if (text && !KINDS.has(text)) throw new ParseError(`invalid section ${first.value}`);
  const kind = text as SectionKind;
  if (kind === "MIME" && path.length === 0) throw new ParseError("MIME needs a part number");
  if (kind !== "HEADER.FIELDS" && kind !== "HEADER.FIELDS.NOT") {
    if (tokens.length > 1) throw new ParseError("unexpected text in section");
    return { path, kind };
  }
  const names = tokens[1];
  if (tokens.length !== 2 || !names || names.type !== "list" || names.items.length === 0) {
    throw new ParseError(`${kind} needs one list of header field names`);
  }
  const fields = names.items.map((t) => {
    const name =
      t.type === "atom" && !t.section ? t.value : t.type === "string" ? t.value.toString("latin1") : undefined;
    if (name === undefined || !FIELD_NAME.test(name)) throw new ParseError("invalid header field name");
    return name;
  });
  return { path, kind, fields };
}

/**
 * The section as the response names it: field names upper-cased, as
 * Dovecot echoes them; names that are not atoms are quoted.
 */
export function formatSection(spec: SectionSpec): string {
  let out = spec.path.join(".");
  if (spec.kind) out += (out ? "." : "") + spec.kind;
  if (spec.fields) {
    const names = spec.fields.map((f) => {
      const upper = f.toUpperCase();
      return /^[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/.test(upper) ? upper : `"${upper.replace(/[\\"]/g, "\\$&")}"`;
    });
    out += ` (${names.join(" ")})`;
  }
  return out;
}

/** `<start.length>`: the octets from `start`, at most `length` of them; none when `start` is past the end (RFC 3501 §6.4.5). */
export function applyPartial(data: Buffer, partial?: { start: number; length?: number }): Buffer {
  if (!partial) return data;
  const start = Math.min(partial.start, data.length);
  const end = partial.length === undefined ? data.length : Math.min(data.length, start + partial.length);
  return data.subarray(start, end);
}

/**
 * The part a path names, resolved as Dovecot resolves it. A multipart's
 * number picks a child. A non-multipart entity's only part is 1, itself
 * (RFC 3501 §6.4.5: "part 1 of a non-multipart message is its body"), and
 * the path must end there unless the entity is a message/rfc822, whose
 * further numbers go into the attached message.
 */
export function findPart(root: MimePart, path: number[]): MimePart | null {
  let current: MimePart | undefined = root;
  for (let k = 0; k < path.length && current; k++) {
    const more = k < path.length - 1;
    if (current.kind === "multipart") current = current.children[path[k] - 1];
    else if (path[k] !== 1 || (more && current.kind !== "message")) return null;
    if (current && more && current.message) current = current.message.root;
  }
  return current ?? null;
}

const CRLF = Buffer.from("\r\n");

/**
 * HEADER.FIELDS / HEADER.FIELDS.NOT: the matching fields byte for byte, in
 * their original order, folds kept, then the empty line that ends a header.
 */
function headerFields(raw: Buffer, start: number, end: number, names: string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const out: Buffer[] = [];
  for (const f of readHeader(raw, start, undefined, end).fields) {
    if ((!f.malformed && wanted.has(f.name.toLowerCase())) === not) continue;
    out.push(raw.subarray(f.start, f.end));
    if (raw[f.end - 1] !== 0x0a) out.push(CRLF);
  }
  out.push(CRLF);
  return Buffer.concat(out);
}

/** The octets of BODY[section] (before any partial), sliced from the raw message without copying where possible. */
export function extractSection(raw: Buffer, root: MimePart, spec: SectionSpec): Buffer {
  const part = findPart(root, spec.path);
  if (!part) return Buffer.alloc(0);
  if (spec.path.length > 0 && spec.kind === "") return raw.subarray(part.bodyStart, part.bodyEnd);
  if (spec.kind === "MIME") return raw.subarray(part.headerStart, part.headerEnd);
  // HEADER, HEADER.FIELDS[.NOT], TEXT and "" address a message: the top-level one, or an attached one.
  const message = spec.path.length === 0 ? part : part.message?.root;
  if (!message) return Buffer.alloc(0);
  switch (spec.kind) {
    case "":
      return raw.subarray(message.headerStart, message.bodyEnd);
    case "HEADER":
      return raw.subarray(message.headerStart, message.headerEnd);
    case "TEXT":
      return raw.subarray(message.bodyStart, message.bodyEnd);
    case "HEADER.FIELDS":
    case "HEADER.FIELDS.NOT":
      return headerFields(
        raw,
        message.headerStart,
        message.headerEnd,
        spec.fields ?? [],
        spec.kind === "HEADER.FIELDS.NOT",
      );
  }
}
