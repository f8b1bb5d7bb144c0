// The header block of a message or body part, as byte ranges into the raw
// message (RFC 5322 §2.2, §3.2.2 folding). Section fetches copy fields
// byte for byte, so the scanner keeps offsets and decodes nothing until asked.
import { bytesToText } from "./charset.ts";

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

export interface HeaderField {
  /**
   * Field name as sent, without trailing white space before the colon
   * (obsolete syntax, RFC 5322 §4.5.8). A line without a colon is kept as a
   * field named by the whole line, and a continuation line before any field
   * as a field named "", so HEADER.FIELDS.NOT reproduces them as Dovecot does.
   */
  name: string;
  /** Offset of the first byte of the field. */
  start: number;
  /** Offset just after the colon (equal to `end` for a line without one). */
  valueStart: number;
  /** Offset after the field's last line terminator (or end of input). */
  end: number;
  /** A line without a colon, or a continuation before any field: part of the header, but no field. */
  malformed?: true;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** End of the header, including the empty line that ends it (RFC 3501 §6.4.5 HEADER includes it). */
  headerEnd: number;
  /** Where the body starts: `headerEnd`, or the end of input when there is no empty line. */
  bodyStart: number;
  /** Offset of the boundary line that cut the header short, or -1. */
  stoppedAt: number;
}

/** Offset after the next LF at or after `pos`, or `limit`. */
export function nextLine(raw: Buffer, pos: number, limit = raw.length): number {
  const nl = raw.indexOf(LF, pos);
  return nl < 0 || nl >= limit ? limit : nl + 1;
}

/**
 * Where content ends that is followed by a line starting at `lineStart`: the
 * line break before a boundary belongs to the boundary (RFC 2046 §5.1.1), so
 * it is not part of the content. Never before `floor`.
 */
export function endBeforeLine(raw: Buffer, lineStart: number, floor: number): number {
  let e = lineStart;
  if (e > floor && raw[e - 1] === LF) {
    e--;
    if (e > floor && raw[e - 1] === CR) e--;
  }
  return e;
}

/**
 * Scan the header block starting at `start`. `isBoundary(lineStart)` lets a
 * body part's header end at an enclosing multipart's boundary when the empty
 * line is missing (Dovecot does the same); the header then ends before the
 * line break preceding the boundary and the body is empty.
 */
export function readHeader(
  raw: Buffer,
  start: number,
  isBoundary?: (lineStart: number) => boolean,
  limit = raw.length,
): HeaderBlock {
  const fields: HeaderField[] = [];
  let pos = start;
  let current: HeaderField | null = null;
  while (pos < limit) {
    const first = raw[pos];
    if (first === LF || (first === CR && raw[pos + 1] === LF)) {
      const end = pos + (first === LF ? 1 : 2);
      return { fields, headerEnd: end, bodyStart: end, stoppedAt: -1 };
    }
    if (isBoundary && first === 0x2d && raw[pos + 1] === 0x2d && isBoundary(pos)) {
      const end = endBeforeLine(raw, pos, start);
      if (current && current.end > end) current.end = end;
      return { fields, headerEnd: end, bodyStart: end, stoppedAt: pos };
    }
    const next = nextLine(raw, pos, limit);
    if ((first === SP || first === TAB) && current) {
      current.end = next;
      if (current.malformed) current.valueStart = next;
    } else if (first === SP || first === TAB) {
      current = { name: "", start: pos, valueStart: next, end: next, malformed: true };
      fields.push(current);
    } else {
      // Search this line only: an unbounded search past many colon-less lines would be quadratic.
      const found = raw.subarray(pos, next).indexOf(COLON);
      const colon = found < 0 ? -1 : pos + found;
      if (colon >= 0) {
        let nameEnd = colon;
        while (nameEnd > pos && (raw[nameEnd - 1] === SP || raw[nameEnd - 1] === TAB)) nameEnd--;
        current = { name: raw.toString("latin1", pos, nameEnd), start: pos, valueStart: colon + 1, end: next };
      } else {
        let lineEnd = next;
        while (lineEnd > pos && (raw[lineEnd - 1] === LF || raw[lineEnd - 1] === CR)) lineEnd--;
        current = {
          name: raw.toString("latin1", pos, lineEnd),
          start: pos,
          valueStart: next,
          end: next,
          malformed: true,
        };
      }
      fields.push(current);
    }
    pos = next;
  }
  return { fields, headerEnd: limit, bodyStart: limit, stoppedAt: -1 };
}

/**
 * A field's value as text: unfolded (every CR and LF removed, the white space
 * after a fold kept — RFC 5322 §2.2.3), decoded as UTF-8 when valid and as
 * Latin-1 otherwise, NUL replaced by U+FFFD since IMAP strings cannot carry
 * it (RFC 3501 §4.3). Not trimmed.
 */
export function fieldText(raw: Buffer, field: HeaderField): string {
  let bytes = raw.subarray(field.valueStart, field.end);
  if (bytes.includes(CR) || bytes.includes(LF)) bytes = Buffer.from(bytes.filter((b) => b !== CR && b !== LF));
  const text = bytesToText(bytes);
  return text.includes("\0") ? text.replaceAll("\0", "\ufffd") : text;
}

/** Leading white space removed: what most servers return for unstructured fields. */
export function trimStart(text: string): string {
  return text.replace(/^[ \t]+/, "");
}

/** The first field named `name` (case-insensitive), or undefined. */
export function findField(fields: HeaderField[], name: string): HeaderField | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => !f.malformed && f.name.length === lower.length && f.name.toLowerCase() === lower);
}
