// A raw-socket IMAP client for tests that must control every byte: what a
// library would never send (oversized lines, lying literals, pipelined junk)
// and everything the server answers, unparsed. Plain TCP or implicit TLS,
// STARTTLS in place. One reader at a time: await each wait before the next.
// Replies are found by line (`\n<tag> `), not by parsing literals, so a
// literal that itself holds such a line would confuse it, and whatever
// follows the tagged line stays unread for the next wait. Tests that need
// the grammar check the bytes with parseResponse() (below).
//
//   const c = await RawImap.connect(gw.ports.imap);          // greeting read
//   const r = await c.command("a", "LOGIN user pass");        // → r.status, r.line, r.text
//   await c.command("b", ["APPEND INBOX {5}", "hello", ""]);  // waits for "+" before "hello"
//   c.send("c NOOP\r\n"); await c.readUntil(/c OK[^\r]*\r\n/);   // or: await c.response("c")
import net from "node:net";
import tls from "node:tls";

export interface RawTlsOptions {
  /** Trust anchor: the gateway's certificate (`gw.tls.cert`). */
  ca: string | Buffer;
  /** SNI and name to verify; the gateway's certificate names localhost. */
  servername?: string;
}

export interface TaggedReply {
  tag: string;
  status: "OK" | "NO" | "BAD";
  /** Response code without brackets ("TOOBIG", "CAPABILITY IMAP4rev1 …"), if any. */
  code?: string;
  /** The tagged line without CRLF. */
  line: string;
  /** Every byte received since the command was sent, through the tagged line's CRLF. */
  data: Buffer;
  /** `data` as latin1 (one char per byte). */
  text: string;
}

const DEFAULT_TIMEOUT_MS = 5000;

export class RawImap {
  /** The greeting line, without CRLF. */
  greeting = "";
  /** Resolves when the connection is closed (by either side). */
  readonly closed: Promise<void>;
  /** Total bytes received. */
  bytesReceived = 0;
  /** The last socket error, if any (ECONNRESET after a server close is normal). */
  error: Error | null = null;

  private socket: net.Socket;
  // Unconsumed input in a growable buffer: big FETCH responses stay linear.
  private buf = Buffer.alloc(64 * 1024);
  private start = 0;
  private end = 0;
  private ended = false;
  private wake: (() => void) | null = null;
  private markClosed!: () => void;
  private readonly timeoutMs: number;

  private constructor(socket: net.Socket, timeoutMs: number) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    this.closed = new Promise((r) => {
      this.markClosed = r;
    });
    this.attach(socket);
  }

  /** Connect to 127.0.0.1:port (implicit TLS with `opts.tls`) and read the greeting. */
  static async connect(port: number, opts: { tls?: RawTlsOptions; timeoutMs?: number } = {}): Promise<RawImap> {
    const socket = opts.tls
      ? tls.connect({ port, host: "127.0.0.1", ca: opts.tls.ca, servername: opts.tls.servername ?? "localhost" })
      : net.connect(port, "127.0.0.1");
    const c = new RawImap(socket, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const g = await c.readUntil(/^[^\r\n]*\r\n/);
    c.greeting = g.slice(0, -2);
    return c;
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** Write bytes exactly as given (a string is sent as latin1: one byte per char). */
  send(bytes: string | Buffer): void {
    if (!this.ended) this.socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
  }

  /**
   * Send `tag text` + CRLF and collect everything up to the tagged reply.
   * With an array, strings are lines (the first is prefixed by the tag; each
   * gets CRLF) and a Buffer is literal data, sent raw. After a line ending
   * in a synchronising `{n}` the client waits for the server's `+` before
   * going on; if a tagged reply comes instead, it is returned (the literal
   * is not sent). `{n+}` literals are sent without waiting.
   */
  async command(tag: string, text: string | Array<string | Buffer>, timeoutMs = this.timeoutMs): Promise<TaggedReply> {
    const parts = typeof text === "string" ? [text] : text;
    const got: Buffer[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (Buffer.isBuffer(part)) {
        this.send(part);
        continue;
      }
      const line = i === 0 ? `${tag} ${part}` : part;
      this.send(`${line}\r\n`);
      if (/\{\d+\}$/.test(line) && i < parts.length - 1) {
        const r = await this.waitFor(() => this.findContinuationOrTagged(tag), timeoutMs, `"+" or ${tag} reply`);
        got.push(this.take(r.end));
        if (r.tagged) return this.reply(tag, Buffer.concat(got));
      }
    }
    const end = await this.waitFor(() => this.findTagged(tag), timeoutMs, `tagged reply ${tag}`);
    got.push(this.take(end));
    return this.reply(tag, Buffer.concat(got));
  }

  /** Collect everything up to the tagged reply of a command already written with send(). */
  async response(tag: string, timeoutMs = this.timeoutMs): Promise<TaggedReply> {
    const end = await this.waitFor(() => this.findTagged(tag), timeoutMs, `tagged reply ${tag}`);
    return this.reply(tag, this.take(end));
  }

  /** Wait until the unread input matches `re` (tested on latin1 text); consume and return it through the match. */
  async readUntil(re: RegExp, timeoutMs = this.timeoutMs): Promise<string> {
    const end = await this.waitFor(
      () => {
        const m = re.exec(this.unread().toString("latin1"));
        return m ? m.index + m[0].length : undefined;
      },
      timeoutMs,
      String(re),
    );
    return this.take(end).toString("latin1");
  }

  /**
   * Consume and return the unread input, waiting up to `idleMs` for at least
   * one byte: empty if nothing came in that time or the connection closed
   * (check isClosed). For tests that parse the stream themselves.
   */
  async read(idleMs = this.timeoutMs): Promise<Buffer> {
    const n = await this.waitFor(
      () => (this.end > this.start ? this.end - this.start : undefined),
      idleMs,
      "data",
    ).catch(() => 0);
    return this.take(n);
  }

  /** Everything received and not yet consumed by a wait. */
  unread(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }

  /** Upgrade to TLS in place (after the server's OK to STARTTLS). */
  async startTls(opts: RawTlsOptions): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("close");
    const secure = tls.connect({ socket: plain, ca: opts.ca, servername: opts.servername ?? "localhost" });
    this.socket = secure;
    this.attach(secure);
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", () => resolve());
      secure.once("error", reject);
    });
  }

  /** Stop reading from the socket (the server's writes back up), and start again. */
  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }

  /** Close abruptly (no LOGOUT). */
  close(): void {
    this.socket.destroy();
  }

  // ---- internals -----------------------------------------------------------

  private attach(socket: net.Socket): void {
    socket.on("data", (d: Buffer) => {
      this.bytesReceived += d.length;
      this.append(d);
      this.wake?.();
    });
    socket.on("error", (err) => {
      this.error = err;
    });
    socket.on("close", () => {
      this.ended = true;
      this.markClosed();
      this.wake?.();
    });
  }

  private append(d: Buffer): void {
    if (this.end + d.length > this.buf.length) {
      const live = this.end - this.start;
      const size = Math.max(this.buf.length, (live + d.length) * 2);
      const next = size > this.buf.length ? Buffer.alloc(size) : this.buf;
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    d.copy(this.buf, this.end);
    this.end += d.length;
  }

  private take(n: number): Buffer {
    const out = Buffer.from(this.buf.subarray(this.start, this.start + n));
    this.start += n;
    return out;
  }

  private waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.wake = null;
        fn();
      };
      const timer = setTimeout(
        () =>
          done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; unread: ${this.tail()}`))),
        timeoutMs,
      );
      const attempt = () => {
        const v = check();
        if (v !== undefined) done(() => resolve(v));
        else if (this.ended)
          done(() => reject(new Error(`connection closed waiting for ${what}; unread: ${this.tail()}`)));
      };
      this.wake = attempt;
      attempt();
    });
  }

  private tail(): string {
    return JSON.stringify(this.unread().subarray(-400).toString("latin1"));
  }

  /** End offset (relative to start) of the first line `tag SP …` CRLF in the unread input. */
  private findTagged(tag: string): number | undefined {
    const u = this.unread();
    const head = Buffer.from(`${tag} `, "latin1");
    let at = u.subarray(0, head.length).equals(head) ? 0 : -1;
    if (at < 0) {
      const i = u.indexOf(Buffer.concat([Buffer.from("\n"), head]));
      if (i < 0) return undefined;
      at = i + 1;
    }
    const eol = u.indexOf("\r\n", at);
    return eol < 0 ? undefined : eol + 2;
  }

  private findContinuationOrTagged(tag: string): { end: number; tagged: boolean } | undefined {
    const u = this.unread();
    let lineStart = 0;
    const tagged = Buffer.from(`${tag} `, "latin1");
    for (;;) {
      const eol = u.indexOf("\r\n", lineStart);
      if (eol < 0) return undefined;
      if (u[lineStart] === 0x2b) return { end: eol + 2, tagged: false };
      if (u.subarray(lineStart, lineStart + tagged.length).equals(tagged)) return { end: eol + 2, tagged: true };
      lineStart = eol + 2;
    }
  }

  private reply(tag: string, data: Buffer): TaggedReply {
    const text = data.toString("latin1");
    const last = text.slice(text.lastIndexOf("\n", text.length - 3) + 1, -2);
    const m = /^\S+ (OK|NO|BAD)(?: \[([^\]]*)\])?/.exec(last);
    if (!m) throw new Error(`malformed tagged reply: ${JSON.stringify(last)}`);
    return { tag, status: m[1] as TaggedReply["status"], code: m[2], line: last, data, text };
  }
}

// ---- response grammar ------------------------------------------------------

export interface ParsedResponse {
  type: "untagged" | "continuation" | "tagged";
  /** Offset just past the response's final CRLF (literals included). */
  end: number;
  tag?: string;
  /** OK/NO/BAD for tagged; for untagged the keyword (OK, BYE, FETCH, EXISTS, CAPABILITY…). */
  status?: string;
  /** Response code of a status response, without brackets. */
  code?: string;
}

/**
 * A response that breaks RFC 3501 §7/§9 grammar; `at` is where it starts.
 * `response` is set when the framing is intact (only the text is wrong, e.g.
 * 8-bit octets in resp-text), so a reader may note it and go on.
 */
export class ResponseSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
    readonly response?: ParsedResponse,
  ) {
    super(message);
  }
}

const STATUS_WORDS = new Set(["OK", "NO", "BAD", "BYE", "PREAUTH"]);
const DATA_WORDS = new Set([
  ...["CAPABILITY", "FLAGS", "LIST", "LSUB", "STATUS", "SEARCH", "ESEARCH"],
  ...["ENABLED", "ID", "NAMESPACE", "VANISHED"],
]);
const MESSAGE_WORDS = new Set(["EXISTS", "RECENT", "EXPUNGE", "FETCH"]);
// tag = 1*<ASTRING-CHAR except "+">; resp-text is 7-bit TEXT-CHARs; codes hold no "]".
const TAG = /^[\x21\x23\x24\x26\x27\x2c-\x5b\x5d-\x7a\x7c-\x7e]+$/;
// (8-bit text is matched here and refused separately: the response's framing is still sound.)
const RESP_TEXT = /^(?:\[([\x01-\x09\x0b\x0c\x0e-\x5c\x5e-\xff]*)\](?: |$))?([\x01-\x09\x0b\x0c\x0e-\xff]*)$/;

/**
 * Parse one server response starting at `at`: null if `b` does not hold all
 * of it yet; throws ResponseSyntaxError if it is malformed. Untagged data is
 * read as values (atoms, quoted strings, `{n}` literals of exactly n octets,
 * balanced parentheses), so a literal of the wrong size shows up as an error
 * where the text after it does not fit.
 */
export function parseResponse(b: Buffer, at: number): ParsedResponse | null {
  // Every response has a CRLF by its first literal or its end.
  const eol = b.indexOf("\r\n", at);
  if (eol < 0) return null;
  const head = b.subarray(at, eol).toString("latin1");
  const r = parseHead(b, at, eol, head);
  // resp-text is TEXT-CHARs: 7-bit (RFC 3501 §9); UTF8=ACCEPT is never enabled here.
  if (r && (r.type !== "untagged" || STATUS_WORDS.has(r.status ?? "")) && b.subarray(at, eol).some((o) => o >= 0x80))
    throw new ResponseSyntaxError("8-bit octet in response text", at, r);
  return r;
}

function parseHead(b: Buffer, at: number, eol: number, head: string): ParsedResponse | null {
  if (b[at] === 0x2b) {
    if (!/^\+( [\x01-\x09\x0b\x0c\x0e-\xff]*)?$/.test(head)) fail("malformed continuation", at);
    return { type: "continuation", end: eol + 2 };
  }
  const sp = head.indexOf(" ");
  if (sp < 0) fail("response without a space after the tag", at);
  const tag = head.slice(0, sp);
  if (tag !== "*") {
    if (!TAG.test(tag)) fail(`invalid tag ${JSON.stringify(tag)}`, at);
    const m = /^(OK|NO|BAD) (.*)$/.exec(head.slice(sp + 1));
    const t = m && RESP_TEXT.exec(m[2]);
    if (!m || !t || !t[2]) fail("malformed tagged status response", at);
    return { type: "tagged", tag, status: m[1], code: t[1], end: eol + 2 };
  }
  const words = /^\* (\S+)(?: (\S+))?/.exec(head);
  if (!words) fail("malformed untagged response", at);
  let status = words[1];
  if (STATUS_WORDS.has(status)) {
    const t = head[sp + 1 + status.length] === " " && RESP_TEXT.exec(head.slice(sp + 2 + status.length));
    if (!t || !t[2]) fail("malformed untagged status response", at);
    return { type: "untagged", status, code: t[1], end: eol + 2 };
  }
  if (/^\d+$/.test(words[1])) {
    status = words[2] ?? "";
    if (!MESSAGE_WORDS.has(status)) fail(`unknown message data ${JSON.stringify(status)}`, at);
    if (status === "FETCH" && !/^\* [1-9]\d* FETCH \(/.test(head)) fail("malformed FETCH response", at);
    if (status !== "FETCH" && head !== `* ${words[1]} ${status}`) fail(`malformed ${status} response`, at);
  } else if (!DATA_WORDS.has(status)) fail(`unknown untagged response ${JSON.stringify(status)}`, at);
  const end = values(b, at + 2);
  return end < 0 ? null : { type: "untagged", status, end };
}

function fail(message: string, at: number): never {
  throw new ResponseSyntaxError(message, at);
}

/** Values up to the CRLF at depth 0; -1 when more input is needed. */
function values(b: Buffer, start: number): number {
  let i = start;
  let depth = 0;
  // After a value only SP, ")" or the end of the line may follow.
  const afterValue = (j: number) => {
    if (j < b.length && b[j] !== 0x20 && b[j] !== 0x29 && b[j] !== 0x0d) fail("no space after a value", j);
  };
  while (i < b.length) {
    const c = b[i];
    if (c === 0x0d) {
      if (i + 1 >= b.length) return -1;
      if (b[i + 1] !== 0x0a) fail("CR without LF", i);
      if (depth !== 0) fail("unbalanced parentheses", i);
      return i + 2;
    }
    if (c === 0x20) {
      if (b[i + 1] === 0x20) fail("two spaces", i);
      i++;
    } else if (c === 0x28) {
      depth++;
      i++;
    } else if (c === 0x29) {
      if (--depth < 0) fail("unbalanced )", i);
      afterValue(++i);
    } else if (c === 0x22) {
      i = quoted(b, i);
      if (i < 0) return -1;
      afterValue(i);
    } else if (c === 0x7b) {
      const m = /^\{(\d{1,10})\}\r\n/.exec(b.subarray(i, i + 16).toString("latin1"));
      if (!m) {
        if (b.length - i < 16 && /^\{\d*\}?\r?$/.test(b.subarray(i).toString("latin1"))) return -1;
        fail("malformed literal announcement", i);
      }
      i += m[0].length + Number(m[1]);
      if (i > b.length) return -1;
      afterValue(i);
    } else {
      i = atom(b, i);
      if (i < 0) return -1;
      afterValue(i);
    }
  }
  return -1;
}

/** Past a quoted string starting at `i` (7-bit, \" and \\ escapes only); -1 if incomplete. */
function quoted(b: Buffer, start: number): number {
  for (let i = start + 1; i < b.length; i++) {
    if (b[i] === 0x22) return i + 1;
    if (b[i] === 0x5c) {
      if (i + 1 >= b.length) return -1;
      if (b[i + 1] !== 0x22 && b[i + 1] !== 0x5c) fail("invalid escape in quoted string", i);
      i++;
    } else if (b[i] === 0x0d || b[i] === 0x0a || b[i] === 0 || b[i] >= 0x80)
      fail(`octet 0x${b[i].toString(16)} in a quoted string`, i);
  }
  return -1;
}

/** ASTRING-CHAR: 7-bit printable but atom-specials ( ) { SP % * " \, with "]" allowed. */
const isAstringChar = (o: number) => o > 0x20 && o < 0x7f && !'(){%*"\\'.includes(String.fromCharCode(o));

const SECTION_ATOMS = new Set(["BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE"]);

/**
 * Past an atom starting at `i` (NIL, numbers, \Flags, 1:*, BODY[section]<n>);
 * -1 if incomplete. A [section] may hold spaces and a header list of
 * astrings (RFC 3501 §9 header-list), where "]" is an ordinary character.
 */
function atom(b: Buffer, start: number): number {
  let inSection = false;
  let depth = 0;
  for (let i = start; i < b.length; i++) {
    const a = b[i];
    if (!inSection) {
      if (a === 0x20 || a === 0x28 || a === 0x29 || a === 0x0d) return i;
      if (a < 0x20 || a >= 0x7f || a === 0x22 || a === 0x7b) fail(`octet 0x${a.toString(16)} in an atom`, i);
      // Only BODY/BINARY take a [section]; elsewhere "[" is an ordinary atom char (a keyword "$a[b").
      if (a === 0x5b) inSection = SECTION_ATOMS.has(b.subarray(start, i).toString("latin1").toUpperCase());
    } else if (a === 0x5d && depth === 0) inSection = false;
    else if (a === 0x28) depth++;
    else if (a === 0x29) {
      if (--depth < 0) fail("unbalanced ) in a section", i);
    } else if (a === 0x22) {
      i = quoted(b, i) - 1;
      if (i < 0) return -1;
    } else if (a === 0x0d) fail("unterminated [section]", i);
    else if (a !== 0x20 && (depth > 0 ? !isAstringChar(a) : a < 0x20 || a >= 0x7f))
      fail(`octet 0x${a.toString(16)} (${JSON.stringify(String.fromCharCode(a))}) in a [section]`, i);
  }
  return -1;
}
