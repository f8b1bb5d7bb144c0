// The POP3 response reader: bytes in, whole responses out. It never blocks
// and never guesses: given what the next response is expected to be (one
// line, or a status line and multi-line data), it answers a response or
// "need more bytes". Parsing is strict (RFC 1939 §3):
//
// - every line ends in CRLF; a status line with a bare LF is an error
//   rather than something to wait for until the timeout;
// - multi-line data ends at a line holding only ".", and a line starting
//   with "." has that dot removed (byte-stuffing);
// - data bytes are taken as they are — a bare CR or LF inside a line is the
//   message's business — and each line keeps its CRLF, so RETR gives the
//   message exactly as stored.
//
// Data is gathered as views of the received chunks and joined once, so a
// 50 MiB message costs one copy, and past `maxBytes` it is counted but no
// longer kept: the connection stays in step and the caller decides.
import type { Reply } from "./errors.ts";

export type Expect =
  | { multiline: false }
  | {
      multiline: true;
      /** Data beyond this is dropped and the response marked `overflow`. */
      maxBytes: number;
      /** A longer data line is a protocol error (listings); unlimited when absent (messages). */
      maxLineBytes?: number;
    };

export interface Response extends Reply {
  /** Multi-line data after +OK, unstuffed, each line with its CRLF. */
  data?: Buffer;
  /** The data went past `maxBytes`: `data` is empty and `dataBytes` says how much there was. */
  overflow?: boolean;
  dataBytes?: number;
}

/** The server broke the protocol: the connection cannot be trusted any further. */
export class ProtocolError extends Error {}

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

interface InData {
  reply: Reply;
  expect: Extract<Expect, { multiline: true }>;
  parts: Buffer[];
  bytes: number;
  lineBytes: number;
  atLineStart: boolean;
  overflow: boolean;
}

export function parseStatus(line: string): Reply {
  const m = /^(\+OK|-ERR|\+)(?: (.*))?$/i.exec(line);
  if (!m) throw new ProtocolError(`unexpected response line: ${JSON.stringify(line.slice(0, 100))}`);
  const status = m[1].toUpperCase();
  const rest = m[2] ?? "";
  if (status === "+") return { kind: "continue", code: null, text: rest };
  // RFC 2449 §8: an optional [CODE] opens the text; hierarchical, case-insensitive.
  const coded = /^\[([^\]\s]+)\]\s*(.*)$/.exec(rest);
  return {
    kind: status === "+OK" ? "ok" : "err",
    code: coded ? coded[1].toUpperCase() : null,
    text: coded ? coded[2] : rest,
  };
}

export class ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  private data: InData | null = null;

  constructor(private readonly maxStatusLine: number) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
  }

  /** Bytes received and not yet part of a response (after STLS's +OK there must be none: RFC 2595 §4). */
  get buffered(): number {
    return this.buf.length;
  }

  /** True once the current response's status line has been read and its data is arriving. */
  get inData(): boolean {
    return this.data !== null;
  }

  /** The next complete response, or null when more bytes are needed. Throws ProtocolError. */
  next(expect: Expect): Response | null {
    if (!this.data) {
      const reply = this.statusLine();
      if (!reply) return null;
      if (!expect.multiline || reply.kind !== "ok") return reply;
      this.data = { reply, expect, parts: [], bytes: 0, lineBytes: 0, atLineStart: true, overflow: false };
    }
    return this.readData(this.data);
  }

  private statusLine(): Reply | null {
    const buf = this.buf;
    const lf = buf.indexOf(LF);
    if (lf < 0) {
      if (buf.length > this.maxStatusLine) throw new ProtocolError(`response line longer than ${this.maxStatusLine}`);
      return null;
    }
    if (lf === 0 || buf[lf - 1] !== CR) throw new ProtocolError("response line not ended by CRLF");
    if (lf + 1 > this.maxStatusLine) throw new ProtocolError(`response line longer than ${this.maxStatusLine}`);
    const line = buf.toString("utf8", 0, lf - 1);
    this.buf = buf.subarray(lf + 1);
    return parseStatus(line);
  }

  private keep(d: InData, piece: Buffer): void {
    d.bytes += piece.length;
    d.lineBytes += piece.length;
    const max = d.expect.maxLineBytes;
    if (max !== undefined && d.lineBytes > max) throw new ProtocolError(`data line longer than ${max}`);
    if (d.bytes > d.expect.maxBytes) {
      d.overflow = true;
      d.parts = [];
    }
    if (!d.overflow && piece.length) d.parts.push(piece);
  }

  private readData(d: InData): Response | null {
    const buf = this.buf;
    let pos = 0;
    for (;;) {
      if (d.atLineStart) {
        if (pos >= buf.length) break;
        if (buf[pos] === DOT) {
          // ".\r\n" ends the data; any other leading dot is stuffing (RFC 1939 §3).
          if (buf.length - pos < 2) break;
          if (buf[pos + 1] === CR) {
            if (buf.length - pos < 3) break;
            if (buf[pos + 2] === LF) {
              this.buf = buf.subarray(pos + 3);
              return this.finish(d);
            }
          }
          pos += 1;
        }
        d.atLineStart = false;
        d.lineBytes = 0;
      }
      const crlf = buf.indexOf("\r\n", pos, "latin1");
      if (crlf < 0) {
        // Hold back a trailing CR: it may start the CRLF that the next chunk completes.
        const end = buf[buf.length - 1] === CR ? buf.length - 1 : buf.length;
        this.keep(d, buf.subarray(pos, end));
        pos = end;
        break;
      }
      this.keep(d, buf.subarray(pos, crlf + 2));
      pos = crlf + 2;
      d.atLineStart = true;
    }
    this.buf = buf.subarray(pos);
    return null;
  }

  private finish(d: InData): Response {
    this.data = null;
    if (d.overflow) return { ...d.reply, data: Buffer.alloc(0), overflow: true, dataBytes: d.bytes };
    return { ...d.reply, data: Buffer.concat(d.parts, d.bytes), dataBytes: d.bytes };
  }
}
