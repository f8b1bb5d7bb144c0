// Structured MIME header values: Content-Type (RFC 2045 §5.1),
// Content-Disposition (RFC 2183 §2), Content-Language (RFC 3282),
// Content-Transfer-Encoding (RFC 2045 §6.1), with RFC 2231 parameter
// continuations and charset/language. Lenient where real mail is broken,
// and never throws: a value that cannot be read yields null.
import { decodeCharset } from "./charset.ts";

export interface MimeParam {
  /** Attribute as sent (case kept), without RFC 2231 "*" and "*N" suffixes. */
  name: string;
  /** The value: unquoted, continuations joined, RFC 2231 percent-encoding and charset decoded. */
  value: string;
  /**
   * Present when RFC 2231 extended syntax was used: the joined ext-value as
   * on the wire ("UTF-8'en'%E2%82%AC.pdf"). BODYSTRUCTURE sends `name*` with
   * this, as Dovecot does, and leaves decoding to the client: an IMAP4rev1
   * string has no charset of its own.
   */
  extended?: string;
  charset?: string;
  language?: string;
}

export interface ContentType {
  type: string;
  subtype: string;
  params: MimeParam[];
}

export interface Disposition {
  value: string;
  params: MimeParam[];
}

/** RFC 2045 §5.1 tspecials, plus space and controls: what ends a token. */
const TSPECIALS = new Set('()<>@,;:\\"/[]?='.split("").map((c) => c.charCodeAt(0)));

function isTokenChar(code: number): boolean {
  return code > 0x20 && code !== 0x7f && !TSPECIALS.has(code);
}

/**
 * Characters of an unquoted parameter value. Wider than a token: unquoted
 * "=" and "?" are common (boundary=----=_Part_1, name==?UTF-8?B?...?=)
 * and every mail reader accepts them.
 */
function isValueChar(code: number): boolean {
  return code > 0x20 && code !== 0x7f && code !== 0x3b && code !== 0x22 && code !== 0x28;
}

/** Skip white space and (nested) comments (RFC 5322 §3.2.2 CFWS). */
export function skipCfws(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
      i++;
    } else if (c === 0x28) {
      let depth = 0;
      while (i < s.length) {
        const d = s.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x28) depth++;
        else if (d === 0x29 && --depth === 0) {
          i++;
          break;
        }
        i++;
      }
    } else {
      break;
    }
  }
  return i;
}

function readWhile(s: string, i: number, test: (code: number) => boolean): number {
  while (i < s.length && test(s.charCodeAt(i))) i++;
  return i;
}

/** The first token of a value, e.g. a Content-Transfer-Encoding ("" when there is none). */
export function parseMimeToken(text: string): string {
  const i = skipCfws(text, 0);
  return text.slice(i, readWhile(text, i, isTokenChar));
}

/** `type "/" subtype *(";" parameter)`, or null when there is no type/subtype (RFC 2045 §5.2: then the default applies). */
export function parseContentType(text: string): ContentType | null {
  let i = skipCfws(text, 0);
  const typeEnd = readWhile(text, i, isTokenChar);
  const type = text.slice(i, typeEnd);
  i = skipCfws(text, typeEnd);
  if (!type || text[i] !== "/") return null;
  i = skipCfws(text, i + 1);
  const subEnd = readWhile(text, i, isTokenChar);
  const subtype = text.slice(i, subEnd);
  if (!subtype) return null;
  return { type, subtype, params: parseParams(text, subEnd) };
}

/** `disposition-type *(";" parameter)`; null when the field is empty. An empty type with parameters is kept, as Dovecot keeps it. */
export function parseDisposition(text: string): Disposition | null {
  const i = skipCfws(text, 0);
  const end = readWhile(text, i, isTokenChar);
  const params = parseParams(text, end);
  if (end === i && params.length === 0) return null;
  return { value: text.slice(i, end), params };
}

/** RFC 3282 `Language-List`: comma-separated tags, comments dropped; null when none. */
export function parseLanguage(text: string): string[] | null {
  const tags: string[] = [];
  for (const piece of text.split(",")) {
    const i = skipCfws(piece, 0);
    const tag = piece.slice(i, readWhile(piece, i, isTokenChar));
    if (tag) tags.push(tag);
  }
  return tags.length ? tags : null;
}

interface RawParam {
  attr: string;
  value: string;
}

/** `*(";" attribute "=" value)` from `i`. Garbage is skipped up to the next ";"; parameters without a name or value are dropped. */
function readParams(s: string, i: number): RawParam[] {
  const out: RawParam[] = [];
  for (;;) {
    i = skipCfws(s, i);
    if (i >= s.length) return out;
    if (s[i] !== ";") {
      const next = s.indexOf(";", i);
      if (next < 0) return out;
      i = next;
    }
    i = skipCfws(s, i + 1);
    const attrEnd = readWhile(s, i, isTokenChar);
    const attr = s.slice(i, attrEnd);
    i = skipCfws(s, attrEnd);
    if (!attr || s[i] !== "=") continue;
    i = skipCfws(s, i + 1);
    if (s[i] === '"') {
      let value = "";
      let j = i + 1;
      while (j < s.length && s[j] !== '"') {
        if (s[j] === "\\" && j + 1 < s.length) j++;
        value += s[j++];
      }
      if (j >= s.length) return out; // unterminated quoted string: drop it and what follows
      i = j + 1;
      out.push({ attr, value });
    } else {
      const end = readWhile(s, i, isValueChar);
      if (end > i) out.push({ attr, value: s.slice(i, end) });
      i = end;
    }
  }
}

interface Segment {
  attr: string;
  index: number;
  extended: boolean;
  value: string;
}

/** RFC 2231 §3/§4: `name*` (extended), `name*N` (continuation), `name*N*` (extended continuation). */
const RFC2231_NAME = /^([^*]+)\*(?:(\d{1,4})(\*)?)?$/;

/**
 * Parameters with RFC 2231 continuations joined and decoded. Plain
 * parameters come first in the order sent, then RFC 2231 ones, as Dovecot
 * lists them. A continuation with a gap in its numbering is passed through
 * piece by piece under the names sent (RFC 2231 §3 gives no repair).
 */
export function parseParams(s: string, i: number): MimeParam[] {
  const plain: MimeParam[] = [];
  const groups = new Map<string, Segment[]>();
  for (const { attr, value } of readParams(s, i)) {
    const m = RFC2231_NAME.exec(attr);
    if (!m) {
      plain.push({ name: attr, value });
      continue;
    }
    const key = m[1].toLowerCase();
    const segment = {
      attr,
      index: m[2] === undefined ? 0 : Number(m[2]),
      extended: m[2] === undefined || m[3] !== undefined,
      value,
    };
    const list = groups.get(key);
    if (list) list.push(segment);
    else groups.set(key, [segment]);
  }
  for (const segments of groups.values()) plain.push(...joinSegments(segments));
  return plain;
}

function joinSegments(segments: Segment[]): MimeParam[] {
  segments.sort((a, b) => a.index - b.index);
  if (segments.some((seg, k) => seg.index !== k)) return segments.map((seg) => ({ name: seg.attr, value: seg.value }));
  const name = RFC2231_NAME.exec(segments[0].attr)![1];
  if (!segments.some((seg) => seg.extended)) return [{ name, value: segments.map((seg) => seg.value).join("") }];
  // Plain pieces joined into an extended value get their "%" escaped; an
  // unencoded first piece gets an empty charset and language (Dovecot's form).
  const extended =
    (segments[0].extended ? "" : "''") +
    segments.map((seg) => (seg.extended ? seg.value : seg.value.replaceAll("%", "%25"))).join("");
  const q1 = extended.indexOf("'");
  const q2 = q1 < 0 ? -1 : extended.indexOf("'", q1 + 1);
  const charset = q2 < 0 ? "" : extended.slice(0, q1);
  const language = q2 < 0 ? "" : extended.slice(q1 + 1, q2);
  const value = decodeCharset(percentDecode(extended.slice(q2 + 1)), charset || null);
  const param: MimeParam = { name, value, extended };
  if (charset) param.charset = charset;
  if (language) param.language = language;
  return [param];
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** RFC 2231 §4 `%XX` octets; anything else is taken as it is. */
function percentDecode(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && hexValue(s.charCodeAt(i + 1)) >= 0 && hexValue(s.charCodeAt(i + 2)) >= 0) {
      bytes.push(hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      const ch = String.fromCodePoint(s.codePointAt(i)!);
      bytes.push(...Buffer.from(ch, "utf8"));
      i += ch.length - 1;
    }
  }
  return Buffer.from(bytes);
}
