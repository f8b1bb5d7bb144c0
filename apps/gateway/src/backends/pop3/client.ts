// A small POP3 client (RFC 1939, with CAPA and response codes from RFC 2449,
// SASL from RFC 5034, STLS from RFC 2595, implicit TLS from RFC 8314):
//
//   const c = await Pop3Client.open({ host, port, security, login, password });
//   const uids = await c.uidl();          // [{ n: 1, uid: "000000016b07e748" }, …]
//   await c.retrEach([1, 2], async (n, r) => { … r.raw or r.tooBig … });
//   await c.deleMany([2]);
//   await c.quit();                       // deletions commit here, and only here
//
// Every failure is a StoreError (errors.ts). RETR and DELE batches are
// pipelined when the server offers PIPELINING.
import { authenticate } from "./auth.ts";
import { type Capabilities, parseCapa, UNKNOWN_CAPABILITIES } from "./capa.ts";
import { NO_UIDL, replyError, storeError } from "./errors.ts";
import {
  CONNECT_TIMEOUT_MS,
  DELE_WINDOW,
  GREETING_TIMEOUT_MS,
  IDLE_TIMEOUT_MS,
  MAX_LISTING_BYTES,
  MAX_LISTING_LINE_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_STATUS_LINE_BYTES,
  QUIT_TIMEOUT_MS,
  RESPONSE_TIMEOUT_MS,
  RETR_WINDOW,
} from "./limits.ts";
import { parseListing, type UidlEntry } from "./listing.ts";
import { type Timeouts, Transport } from "./transport.ts";
import type { Expect, Response } from "./wire.ts";

export type { UidlEntry } from "./listing.ts";

export interface Pop3Options {
  host: string;
  port: number;
  /** "tls": implicit TLS (RFC 8314, port 995); "starttls": STLS or refuse; "none": cleartext. */
  security: "tls" | "starttls" | "none";
  login: string;
  password: string;
  ca?: string;
  insecureTls?: boolean;
  timeouts?: Partial<Timeouts>;
  /** Default MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
  /** Use PIPELINING when offered (default true). */
  pipelining?: boolean;
}

/** One RETR's outcome: the message, or how big it was when over the limit (then skipped, never buffered). */
export type Retrieved = { raw: Buffer; tooBig?: undefined } | { raw?: undefined; tooBig: number };

const LINE: Expect = { multiline: false };
const LISTING: Expect = { multiline: true, maxBytes: MAX_LISTING_BYTES, maxLineBytes: MAX_LISTING_LINE_BYTES };

export class Pop3Client {
  private constructor(
    private readonly t: Transport,
    /** What CAPA said after STLS (RFC 2595 §4: what was said before is discarded). */
    readonly capabilities: Capabilities,
    private readonly opts: Pop3Options,
  ) {}

  get where(): string {
    return this.t.where;
  }

  /** Connect, read the greeting, secure the connection as the account says, and log in. */
  static async open(opts: Pop3Options): Promise<Pop3Client> {
    const timeouts: Timeouts = {
      connectMs: CONNECT_TIMEOUT_MS,
      greetingMs: GREETING_TIMEOUT_MS,
      responseMs: RESPONSE_TIMEOUT_MS,
      idleMs: IDLE_TIMEOUT_MS,
      ...opts.timeouts,
    };
    const tlsSettings = { ca: opts.ca, insecure: opts.insecureTls };
    const t = await Transport.connect({
      host: opts.host,
      port: opts.port,
      tlsFirst: opts.security === "tls",
      tls: tlsSettings,
      timeouts,
      maxStatusLine: MAX_STATUS_LINE_BYTES,
    });
    try {
      const greeting = await t.request(null, LINE, "greeting", timeouts.greetingMs);
      // A server refusing the connection (too many, maintenance) answers -ERR here: come back later.
      if (greeting.kind !== "ok") throw storeError("unavailable", `${t.where} greeting: ${greeting.text}`);
      let caps = await capa(t);
      if (opts.security === "starttls") {
        // Never log in on a connection that was meant to be encrypted (RFC 2595 §2.1): a stripped STLS is refused.
        if (!caps.stls) throw storeError("notPossible", `${t.where}: STLS required but the server does not offer it`);
        const r = await t.request("STLS", LINE, "STLS");
        if (r.kind !== "ok") throw storeError("notPossible", `${t.where} STLS: ${r.text}`);
        await t.startTls(opts.host, tlsSettings);
        caps = await capa(t);
      }
      await authenticate(t, caps, opts);
      return new Pop3Client(t, caps, opts);
    } catch (err) {
      t.destroy("login failed");
      throw err;
    }
  }

  private async ok(line: string, label: string, expect: Expect = LINE): Promise<Response> {
    const r = await this.t.request(line, expect, label);
    if (r.kind === "ok") return r;
    if (r.kind === "continue") {
      this.t.destroy("unexpected continuation");
      throw storeError("unavailable", `${this.t.where} ${label}: unexpected "+" continuation`);
    }
    throw replyError(r, { command: label, where: this.t.where });
  }

  private get pipelining(): boolean {
    return this.capabilities.pipelining && this.opts.pipelining !== false;
  }

  /** Message count and maildrop size in octets (RFC 1939 §5). */
  async stat(): Promise<{ count: number; size: number }> {
    const r = await this.ok("STAT", "STAT");
    const m = /^(\d+) (\d+)/.exec(r.text);
    if (!m) throw storeError("unavailable", `${this.where} STAT: unreadable answer`);
    return { count: Number(m[1]), size: Number(m[2]) };
  }

  /** Message number → size in octets, for every message not marked deleted. */
  async list(): Promise<Map<number, number>> {
    const r = await this.ok("LIST", "LIST", LISTING);
    const out = new Map<number, number>();
    for (const { n, value } of parseListing(r.data!, "LIST", this.where)) {
      if (!/^\d+$/.test(value)) throw storeError("unavailable", `${this.where} LIST: bad size for ${n}`);
      out.set(n, Number(value));
    }
    return out;
  }

  /**
   * Every message's unique-id listing (RFC 1939 §7), by message number. A
   * server without UIDL gives `notPossible`: Postern cannot track its mail.
   */
  async uidl(): Promise<UidlEntry[]> {
    const r = await this.t.request("UIDL", LISTING, "UIDL");
    if (r.kind === "err" && !r.code) throw storeError("notPossible", `${this.where} UIDL: ${r.text}`, NO_UIDL);
    if (r.kind !== "ok") throw replyError(r, { command: "UIDL", where: this.where });
    return parseListing(r.data!, "UIDL", this.where).map(({ n, value }) => ({ n, uid: value }));
  }

  /** The header block and `lines` lines of body (RFC 1939 §7 TOP; optional, and so is `capabilities.top`). */
  async top(n: number, lines = 0): Promise<Buffer> {
    const r = await this.ok(`TOP ${n} ${lines}`, `TOP ${n}`, {
      multiline: true,
      maxBytes: this.maxMessageBytes,
    });
    if (r.overflow) throw storeError("notPossible", `${this.where} TOP ${n}: ${r.dataBytes} bytes, over the limit`);
    return r.data!;
  }

  private get maxMessageBytes(): number {
    return this.opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  }

  /** One message, whole. Over the size limit: `notPossible` (the message stays on the server). */
  async retr(n: number): Promise<Buffer> {
    const r = await this.retrieve(n);
    if (r.raw) return r.raw;
    throw storeError(
      "notPossible",
      `${this.where} RETR ${n}: ${r.tooBig} bytes, over the ${this.maxMessageBytes}-byte limit`,
    );
  }

  private async retrieve(n: number): Promise<Retrieved> {
    const r = await this.ok(`RETR ${n}`, `RETR ${n}`, { multiline: true, maxBytes: this.maxMessageBytes });
    return r.overflow ? { tooBig: r.dataBytes ?? 0 } : { raw: r.data! };
  }

  /**
   * RETR each of `ns` in order, handing each to `each` before the next is
   * handed over. With PIPELINING up to RETR_WINDOW are in flight, so the
   * server keeps sending while `each` works.
   */
  async retrEach(ns: readonly number[], each: (n: number, r: Retrieved) => Promise<void>): Promise<void> {
    const window = this.pipelining ? RETR_WINDOW : 1;
    const inFlight: Array<Promise<Retrieved>> = [];
    let sent = 0;
    const fill = () => {
      while (sent < ns.length && inFlight.length < window) {
        const p = this.retrieve(ns[sent++]);
        // Failures are seen when awaited, in order; until then they must not count as unhandled.
        p.catch(() => {});
        inFlight.push(p);
      }
    };
    for (let i = 0; i < ns.length; i++) {
      fill();
      const r = await inFlight.shift()!;
      await each(ns[i], r);
    }
  }

  /** Mark one message deleted; it goes at QUIT (RFC 1939 §6), or not at all if the session ends otherwise. */
  async dele(n: number): Promise<void> {
    await this.ok(`DELE ${n}`, `DELE ${n}`);
  }

  /** DELE each of `ns`, pipelined when offered. The first refusal is thrown after all answers are in. */
  async deleMany(ns: readonly number[]): Promise<void> {
    const window = this.pipelining ? DELE_WINDOW : 1;
    for (let i = 0; i < ns.length; i += window) {
      const answers = ns.slice(i, i + window).map((n) => this.dele(n));
      const results = await Promise.allSettled(answers);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    }
  }

  /** Unmark every message marked deleted in this session. */
  async rset(): Promise<void> {
    await this.ok("RSET", "RSET");
  }

  async noop(): Promise<void> {
    await this.ok("NOOP", "NOOP");
  }

  /**
   * End the session; the server deletes what was marked (RFC 1939 §6).
   * Resolves only on QUIT's +OK — anything else, a dropped connection
   * included, throws, and then nothing was deleted.
   */
  async quit(): Promise<void> {
    try {
      await this.ok("QUIT", "QUIT");
    } catch (err) {
      this.t.destroy("QUIT failed");
      // RFC 1939 §6: -ERR to QUIT means some deleted messages were not removed — try again later.
      const e = err as { code?: string; detail?: string };
      if (e.code === "notPossible") throw storeError("unavailable", e.detail);
      throw err;
    }
    this.t.destroy("session ended");
  }

  /** QUIT when nothing waits on it (no deletions), without waiting long; never throws. */
  async quitQuietly(): Promise<void> {
    if (this.t.closed) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, QUIT_TIMEOUT_MS);
    });
    await Promise.race([this.ok("QUIT", "QUIT").catch(() => {}), timeout]);
    clearTimeout(timer);
    this.t.destroy("session ended");
  }

  /** Drop the connection without QUIT: nothing marked deleted is deleted. */
  close(): void {
    this.t.destroy();
  }
}

async function capa(t: Transport): Promise<Capabilities> {
  const r = await t.request("CAPA", LISTING, "CAPA");
  // CAPA is itself an extension (RFC 2449 §5): a -ERR only says the server predates it.
  return r.kind === "ok" ? parseCapa(r.data!) : UNKNOWN_CAPABILITIES;
}
