// The MIME tree of a raw message (RFC 2045, RFC 2046), as byte offsets into
// the message so section fetches can slice it without copying. Built once
// when a message is stored; BODYSTRUCTURE and ENVELOPE are derived from it.
//
// Malformed mail is the norm, so nothing here throws and every input gives
// a tree: a missing boundary leaves a multipart without parts, an
// unterminated multipart runs to the end, a header without its empty line
// ends at the enclosing boundary. Boundary lines are found by prefix, as
// Dovecot finds them: "--b" followed by anything (RFC 2046 §5.1.1 allows
// only white space) — generators that append junk are more common than
// boundaries that prefix one another. Each line is looked at once against
// at most MAX_MIME_DEPTH boundaries, so parsing is linear in the size.
import { type Envelope, envelopeFromFields } from "./envelope.ts";
import { endBeforeLine, fieldText, findField, type HeaderField, nextLine, readHeader, trimStart } from "./fields.ts";
import {
  type Disposition,
  type MimeParam,
  parseContentType,
  parseDisposition,
  parseLanguage,
  parseMimeToken,
} from "./params.ts";

/**
 * Deepest nesting of multiparts and attached messages that is parsed; a
 * container deeper than this is kept as one opaque application/octet-stream
 * leaf (Dovecot does the same at its limit of 100). Protects the recursive
 * parser and the BODYSTRUCTURE a phone has to read.
 */
export const MAX_MIME_DEPTH = 50;

/** Most body parts parsed in one message (Dovecot's default limit); the rest of a multipart is kept as its epilogue. */
export const MAX_MIME_PARTS = 10_000;

export type MimePartKind = "leaf" | "multipart" | "message";

export interface MimePart {
  kind: MimePartKind;
  /** Offsets into the raw message. The header includes the empty line that ends it. */
  headerStart: number;
  headerEnd: number;
  /** The body, encoded as sent; for a body part, without the line break before the next boundary (RFC 2046 §5.1.1). */
  bodyStart: number;
  bodyEnd: number;
  /** Content-Type as sent (case kept), or the default: text/plain, or message/rfc822 in a multipart/digest (RFC 2046 §5.1.5). */
  type: string;
  subtype: string;
  /** Content-Type parameters as sent; no charset is added here (see `charsetOf`). */
  params: MimeParam[];
  /** Content-Transfer-Encoding as sent, "7bit" when absent (RFC 2045 §6.1). */
  encoding: string;
  id: string | null;
  description: string | null;
  md5: string | null;
  disposition: Disposition | null;
  language: string[] | null;
  location: string | null;
  /** Lines in the body (LF count, as Dovecot counts them), for text/* and message/rfc822. */
  lines: number;
  /** The body parts of a multipart (empty when its boundary is missing or never appears). */
  children: MimePart[];
  /** The attached message of a message/rfc822 part: its envelope, and its own tree whose header starts at `bodyStart`. */
  message: { envelope: Envelope; root: MimePart } | null;
}

interface BoundaryHit {
  lineStart: number;
  /** Index into the boundary stack: which enclosing multipart it belongs to. */
  index: number;
  /** "--boundary--": the close delimiter. */
  close: boolean;
}

interface Context {
  raw: Buffer;
  /** "--" + boundary bytes of the enclosing multiparts, outermost first. */
  stack: Buffer[];
  parts: number;
}

type DefaultType = "text" | "message";

/** Parse a raw message. Never throws. */
export function parseMessage(raw: Buffer): MimePart {
  const ctx: Context = { raw, stack: [], parts: 0 };
  return parseEntity(ctx, 0, 0, "text").part;
}

/** The charset of a text part: its parameter, or us-ascii (RFC 2046 §4.1.2). */
export function charsetOf(part: MimePart): string {
  const p = part.params.find((x) => x.name.toLowerCase() === "charset");
  return p?.value || "us-ascii";
}

export function isText(part: MimePart): boolean {
  return part.type.toLowerCase() === "text";
}

function matchBoundary(ctx: Context, pos: number): BoundaryHit | null {
  const { raw, stack } = ctx;
  // Innermost first: a delimiter of the current multipart wins over one it prefixes.
  for (let k = stack.length - 1; k >= 0; k--) {
    const b = stack[k];
    const end = pos + b.length;
    // The first boundary byte rejects most "--" lines (signatures, rulers) before a full compare.
    if (raw[pos + 2] === b[2] && end <= raw.length && raw.compare(b, 0, b.length, pos, end) === 0) {
      return { lineStart: pos, index: k, close: raw[end] === 0x2d && raw[end + 1] === 0x2d };
    }
  }
  return null;
}

/** The next line from `pos` (a line start) that is a boundary of an enclosing multipart. */
function scanToBoundary(ctx: Context, pos: number): BoundaryHit | null {
  const { raw } = ctx;
  if (ctx.stack.length === 0) return null;
  while (pos < raw.length) {
    if (raw[pos] === 0x2d && raw[pos + 1] === 0x2d) {
      const hit = matchBoundary(ctx, pos);
      if (hit) return hit;
    }
    const nl = raw.indexOf(0x0a, pos);
    if (nl < 0) return null;
    pos = nl + 1;
  }
  return null;
}

function countLines(raw: Buffer, start: number, end: number): number {
  let n = 0;
  let pos = raw.indexOf(0x0a, start);
  while (pos >= 0 && pos < end) {
    n++;
    pos = raw.indexOf(0x0a, pos + 1);
  }
  return n;
}

/** A header, then a body whose end is the next enclosing boundary (returned as `stop`) or the end of input. */
function parseEntity(
  ctx: Context,
  start: number,
  depth: number,
  dflt: DefaultType,
): { part: MimePart; stop: BoundaryHit | null; fields: HeaderField[] } {
  const { raw } = ctx;
  ctx.parts++;
  const header = readHeader(raw, start, ctx.stack.length ? (p) => matchBoundary(ctx, p) !== null : undefined);
  const part = describe(raw, header.fields, dflt);
  part.headerStart = start;
  part.headerEnd = header.headerEnd;
  part.bodyStart = header.bodyStart;
  part.bodyEnd = header.bodyStart;
  if (part.kind !== "leaf" && (depth >= MAX_MIME_DEPTH || ctx.parts >= MAX_MIME_PARTS)) {
    part.kind = "leaf";
    part.type = "application";
    part.subtype = "octet-stream";
  }

  let stop: BoundaryHit | null;
  if (header.stoppedAt >= 0) {
    // The header ran into a boundary: the body is empty.
    stop = matchBoundary(ctx, header.stoppedAt);
    if (part.kind === "message") part.message = emptyMessage(raw, part.bodyStart);
  } else if (part.kind === "multipart") {
    stop = parseMultipart(ctx, part, depth);
  } else if (part.kind === "message") {
    const inner = parseEntity(ctx, part.bodyStart, depth + 1, "text");
    stop = inner.stop;
    part.bodyEnd = inner.part.bodyEnd;
    part.message = { envelope: envelopeFromFields(raw, inner.fields), root: inner.part };
  } else {
    stop = scanToBoundary(ctx, part.bodyStart);
    part.bodyEnd = stop ? endBeforeLine(raw, stop.lineStart, part.bodyStart) : raw.length;
  }
  if (part.kind === "message" || isText(part)) part.lines = countLines(raw, part.bodyStart, part.bodyEnd);
  return { part, stop, fields: header.fields };
}

/** Preamble, body parts, epilogue (RFC 2046 §5.1.1). Returns the enclosing boundary that ended it, if any. */
function parseMultipart(ctx: Context, part: MimePart, depth: number): BoundaryHit | null {
  const { raw } = ctx;
  const boundary = part.params.find((p) => p.name.toLowerCase() === "boundary")?.value ?? "";
  if (!boundary) {
    // No boundary: no parts can be found; the whole body is preamble.
    const stop = scanToBoundary(ctx, part.bodyStart);
    part.bodyEnd = stop ? endBeforeLine(raw, stop.lineStart, part.bodyStart) : raw.length;
    return stop;
  }
  const mine = ctx.stack.length;
  ctx.stack.push(Buffer.from(`--${boundary}`, /^[\x00-\x7f]*$/.test(boundary) ? "latin1" : "utf8"));
  const childDefault: DefaultType = part.subtype.toLowerCase() === "digest" ? "message" : "text";
  let hit = scanToBoundary(ctx, part.bodyStart);
  for (;;) {
    if (!hit) {
      ctx.stack.length = mine;
      part.bodyEnd = raw.length;
      return null;
    }
    if (hit.index !== mine) {
      // An enclosing multipart's boundary: this one was never closed. A last part that
      // kept the line break after its own close delimiter (below) keeps it here too.
      ctx.stack.length = mine;
      const lastEnd = part.children.at(-1)?.bodyEnd ?? part.bodyStart;
      part.bodyEnd = Math.max(endBeforeLine(raw, hit.lineStart, part.bodyStart), lastEnd);
      return hit;
    }
    if (hit.close || ctx.parts >= MAX_MIME_PARTS) {
      // The epilogue runs to the next enclosing boundary; our own boundary no longer counts there.
      // The line break ending the close delimiter stays in this body even when the enclosing
      // boundary follows at once (RFC 2046 §5.1.1 would give it to that boundary): Dovecot
      // counts it here, and sizes and line counts are compared against Dovecot.
      ctx.stack.length = mine;
      const epilogue = nextLine(raw, hit.lineStart);
      const stop = scanToBoundary(ctx, epilogue);
      part.bodyEnd = stop ? endBeforeLine(raw, stop.lineStart, epilogue) : raw.length;
      return stop;
    }
    const child = parseEntity(ctx, nextLine(raw, hit.lineStart), depth + 1, childDefault);
    part.children.push(child.part);
    hit = child.stop;
  }
}

function emptyMessage(raw: Buffer, at: number): { envelope: Envelope; root: MimePart } {
  const root = describe(raw, [], "text");
  root.headerStart = root.headerEnd = root.bodyStart = root.bodyEnd = at;
  return { envelope: envelopeFromFields(raw, []), root };
}

/** The MIME fields of a header. The first of a repeated field counts (Dovecot's choice). */
function describe(raw: Buffer, fields: HeaderField[], dflt: DefaultType): MimePart {
  const text = (name: string): string | null => {
    const f = findField(fields, name);
    return f ? fieldText(raw, f) : null;
  };
  const ctText = text("content-type");
  const ct = ctText === null ? null : parseContentType(ctText);
  const type = ct?.type ?? (dflt === "text" ? "text" : "message");
  const subtype = ct?.subtype ?? (dflt === "text" ? "plain" : "rfc822");
  const lowerType = type.toLowerCase();
  const kind: MimePartKind =
    lowerType === "multipart"
      ? "multipart"
      : lowerType === "message" && subtype.toLowerCase() === "rfc822"
        ? "message"
        : "leaf";
  const trimmed = (name: string): string | null => {
    const v = text(name);
    return v === null ? null : trimStart(v);
  };
  const dispositionText = text("content-disposition");
  const languageText = text("content-language");
  return {
    kind,
    headerStart: 0,
    headerEnd: 0,
    bodyStart: 0,
    bodyEnd: 0,
    type,
    subtype,
    params: ct?.params ?? [],
    encoding: parseMimeToken(text("content-transfer-encoding") ?? "") || "7bit",
    id: trimmed("content-id"),
    description: trimmed("content-description"),
    md5: trimmed("content-md5"),
    disposition: dispositionText === null ? null : parseDisposition(dispositionText),
    language: languageText === null ? null : parseLanguage(languageText),
    location: trimmed("content-location"),
    lines: 0,
    children: [],
    message: null,
  };
}
