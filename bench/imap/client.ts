// A small, fast IMAP client for the benchmark: raw socket, one command in
// flight, responses framed (lines and {N} literals) but not parsed further, so
// client time stays small next to server time and is the same for both servers.
import net from "node:net";

export interface Untagged {
  /** The response's text with literals left out ("* 12 FETCH (BODY[HEADER] {934})"). */
  text: string;
  /** Bytes of the literals inside it. */
  literalBytes: number;
}

export interface Reply {
  status: "OK" | "NO" | "BAD";
  text: string;
  untagged: Untagged[];
}

export class ImapError extends Error {
  constructor(
    message: string,
    readonly reply?: Reply,
  ) {
    super(message);
  }
}

interface Pending {
  tag: string;
  verb: string;
  untagged: Untagged[];
  resolve(r: Reply): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 120_000;

export class ImapClient {
  /** CAPABILITY as last announced (greeting, or after LOGIN). */
  capabilities = new Set<string>();
  private seq = 0;
  private pending: Pending | null = null;
  private onContinue: (() => void) | null = null;
  private partial: Buffer = Buffer.alloc(0);
  private literalLeft = 0;
  private text = "";
  private literalBytes = 0;
  private closedWith: string | null = null;

  private constructor(private readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on("data", (chunk: Buffer) => this.onData(chunk));
    sock.on("error", (err) => this.fail(`connection error: ${err.message}`));
    sock.on("close", () => this.fail("connection closed by the server"));
  }

  /** Connect and wait for the greeting (which must be OK, not BYE or PREAUTH). */
  static connect(host: string, port: number, timeoutMs = 30_000): Promise<ImapClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, host);
      const client = new ImapClient(sock);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new ImapError(`no greeting from ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      client.pending = {
        tag: "*greeting",
        verb: "greeting",
        untagged: [],
        timer,
        resolve: (r) => (r.status === "OK" ? resolve(client) : reject(new ImapError(`greeting: ${r.text}`))),
        reject,
      };
    });
  }

  /** Run one command; rejects with the server's words on NO or BAD. */
  async command(line: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Reply> {
    const reply = await this.send(line, undefined, timeoutMs);
    if (reply.status !== "OK") throw new ImapError(`${verbOf(line)} failed: ${reply.status} ${reply.text}`, reply);
    return reply;
  }

  async login(user: string, password: string): Promise<Reply> {
    const reply = await this.command(`LOGIN ${quote(user)} ${quote(password)}`);
    const caps = /\[CAPABILITY ([^\]]*)\]/i.exec(reply.text);
    if (caps) this.capabilities = new Set(caps[1].toUpperCase().split(" "));
    return reply;
  }

  /** APPEND with LITERAL+ when the server offers it, else waiting for "+" (RFC 3501 §7.5). */
  async append(mailbox: string, message: Buffer, flags: string[] = [], date?: Date): Promise<Reply> {
    const nonSync = this.capabilities.has("LITERAL+");
    const head = `APPEND ${quote(mailbox)} (${flags.join(" ")})${date ? ` "${imapDate(date)}"` : ""} {${message.length}${nonSync ? "+" : ""}}`;
    const reply = await this.send(head, message);
    if (reply.status !== "OK") throw new ImapError(`APPEND failed: ${reply.status} ${reply.text}`, reply);
    return reply;
  }

  /**
   * Enter IDLE and resolve once the server has said "+". The benchmark never
   * sends DONE: it ends idle sessions by closing them.
   */
  idle(timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new ImapError(`IDLE: no "+" within ${timeoutMs} ms`)), timeoutMs);
      const tagged = this.send("IDLE", undefined, 0);
      // A tagged reply before "+" is a refusal.
      tagged.then(
        (r) => reject(new ImapError(`IDLE failed: ${r.status} ${r.text}`, r)),
        (err: Error) => reject(err),
      );
      tagged.finally(() => clearTimeout(timer)).catch(() => {});
      this.onContinue = () => {
        clearTimeout(timer);
        this.onContinue = null;
        resolve();
      };
    });
  }

  close(): void {
    this.closedWith ??= "closed by the client";
    this.sock.destroy();
  }

  /** LOGOUT, without caring whether the server answers (it may already be gone). */
  async logout(): Promise<void> {
    await this.send("LOGOUT", undefined, 10_000).catch(() => {});
    this.close();
  }

  private send(line: string, literal: Buffer | undefined, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Reply> {
    if (this.closedWith) return Promise.reject(new ImapError(`${verbOf(line)}: ${this.closedWith}`));
    if (this.pending) return Promise.reject(new ImapError(`${verbOf(line)}: another command is in flight`));
    const tag = `b${++this.seq}`;
    return new Promise((resolve, reject) => {
      // timeoutMs 0: no deadline (IDLE, which lasts until DONE).
      const timer = setTimeout(
        () => {
          this.pending = null;
          this.close();
          reject(new ImapError(`${verbOf(line)}: no reply within ${timeoutMs} ms`));
        },
        timeoutMs || 2 ** 31 - 1,
      );
      if (!timeoutMs) timer.unref();
      this.pending = { tag, verb: verbOf(line), untagged: [], resolve, reject, timer };
      if (literal && line.endsWith("+}")) {
        this.sock.write(Buffer.concat([Buffer.from(`${tag} ${line}\r\n`, "latin1"), literal, CRLF]));
      } else if (literal) {
        this.onContinue = () => {
          this.onContinue = null;
          this.sock.write(Buffer.concat([literal, CRLF]));
        };
        this.sock.write(`${tag} ${line}\r\n`, "latin1");
      } else {
        this.sock.write(`${tag} ${line}\r\n`, "latin1");
      }
    });
  }

  private onData(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, chunk.length - off);
        this.literalLeft -= take;
        off += take;
        continue;
      }
      const nl = chunk.indexOf(10, off);
      if (nl < 0) {
        this.partial = Buffer.concat([this.partial, chunk.subarray(off)]);
        return;
      }
      const lineBuf = this.partial.length
        ? Buffer.concat([this.partial, chunk.subarray(off, nl + 1)])
        : chunk.subarray(off, nl + 1);
      this.partial = Buffer.alloc(0);
      off = nl + 1;
      const line = lineBuf.toString("latin1", 0, lineBuf.length - (lineBuf[lineBuf.length - 2] === 13 ? 2 : 1));
      this.text += line;
      const literal = /\{(\d+)\}$/.exec(line);
      if (literal) {
        // The response goes on after the literal's bytes.
        this.literalLeft = Number(literal[1]);
        this.literalBytes += this.literalLeft;
        continue;
      }
      this.onResponse(this.text, this.literalBytes);
      this.text = "";
      this.literalBytes = 0;
    }
  }

  private onResponse(text: string, literalBytes: number): void {
    const p = this.pending;
    if (text.startsWith("+")) {
      this.onContinue?.();
      return;
    }
    if (text.startsWith("* ")) {
      if (p?.tag === "*greeting") {
        this.finish(greetingStatus(text), text.slice(2));
        return;
      }
      if (/^\* BYE /i.test(text)) this.closedWith = `server said ${text.slice(2)}`;
      const caps = /^\* CAPABILITY (.*)$/i.exec(text) ?? /^\* OK \[CAPABILITY ([^\]]*)\]/i.exec(text);
      if (caps) this.capabilities = new Set(caps[1].toUpperCase().split(" "));
      p?.untagged.push({ text, literalBytes });
      return;
    }
    const sp = text.indexOf(" ");
    if (p && text.slice(0, sp) === p.tag) {
      const rest = text.slice(sp + 1);
      const status = rest.slice(0, rest.indexOf(" ") < 0 ? undefined : rest.indexOf(" ")).toUpperCase();
      this.finish(status === "OK" || status === "NO" ? status : "BAD", rest.slice(status.length + 1));
    }
  }

  private finish(status: Reply["status"], text: string): void {
    const p = this.pending!;
    this.pending = null;
    clearTimeout(p.timer);
    p.resolve({ status, text, untagged: p.untagged });
  }

  private fail(why: string): void {
    this.closedWith ??= why;
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.reject(new ImapError(`${p.verb}: ${this.closedWith}`));
  }
}

const CRLF = Buffer.from("\r\n");

function greetingStatus(text: string): Reply["status"] {
  return /^\* OK\b/i.test(text) ? "OK" : "NO";
}

function verbOf(line: string): string {
  const w = line.split(" ");
  return (w[0].toUpperCase() === "UID" ? `UID ${w[1]}` : w[0]).toUpperCase();
}

/** An IMAP quoted string (RFC 3501 §4.3): backslash and quote escaped. */
export function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** date-time for APPEND (RFC 3501 §9): "26-Nov-2026 10:00:00 +0000", in UTC. */
export function imapDate(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  const time = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
  return `${p2(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${time} +0000`;
}

/** The number in an untagged "* N EXISTS", or in a response code like "[HIGHESTMODSEQ N]". */
export function untaggedNumber(reply: Reply, pattern: RegExp): number | undefined {
  for (const u of reply.untagged) {
    const m = pattern.exec(u.text);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** How many "* n FETCH" responses a reply carried. */
export function fetchCount(reply: Reply): number {
  let n = 0;
  for (const u of reply.untagged) if (/^\* \d+ FETCH /i.test(u.text)) n++;
  return n;
}
