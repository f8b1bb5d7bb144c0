// One POP3 connection: the socket (plain, implicit TLS, or upgraded by
// STLS), the queue of responses awaited in order, and the timeouts. Every
// command goes through `request()`, which writes it at once and answers its
// response when it arrives — so several requests in a row are pipelined
// (RFC 2449 §6.6), and the client decides when that is allowed.
//
// The first failure (socket error or close, timeout, protocol error) ends
// the connection: every awaited response and every later request fails
// with it, as an `unavailable` StoreError.
import net from "node:net";
import tls from "node:tls";
import type { StoreError } from "@postern/protocol";
import { socketError, storeError } from "./errors.ts";
import { type Expect, ProtocolError, type Response, ResponseReader } from "./wire.ts";

export interface Timeouts {
  connectMs: number;
  greetingMs: number;
  responseMs: number;
  idleMs: number;
}

export interface TlsSettings {
  /** Trust this CA (PEM) in addition to the public ones. */
  ca?: string;
  /** Skip certificate verification: an admin's explicit choice, never a default. */
  insecure?: boolean;
}

interface Waiting {
  /** For error details: the command's verb and numeric arguments, never a password. */
  label: string;
  expect: Expect;
  resolve(r: Response): void;
  reject(e: StoreError): void;
}

function tlsOptions(host: string, settings: TlsSettings): tls.ConnectionOptions {
  return {
    rejectUnauthorized: settings.insecure !== true,
    ca: settings.ca ? [...tls.rootCertificates, settings.ca] : undefined,
    // SNI takes a host name only (RFC 6066 §3); the certificate is still checked against an IP address.
    servername: net.isIP(host) ? undefined : host,
    minVersion: "TLSv1.2",
  };
}

export class Transport {
  private socket: net.Socket;
  private readonly reader: ResponseReader;
  private readonly waiting: Waiting[] = [];
  private failure: StoreError | null = null;
  private responseTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly onData = (chunk: Buffer) => this.received(chunk);
  private readonly onError = (err: Error) => this.fail(socketError(err, this.doing()));
  private readonly onClose = () => this.fail(storeError("unavailable", `${this.doing()}: connection closed`));

  private constructor(
    socket: net.Socket,
    readonly where: string,
    private readonly timeouts: Timeouts,
    maxStatusLine: number,
  ) {
    this.socket = socket;
    this.reader = new ResponseReader(maxStatusLine);
    this.attach();
  }

  /** Connect (implicit TLS when `tlsFirst`) and wait for the connection; the greeting is read with `request(null, …)`. */
  static connect(opts: {
    host: string;
    port: number;
    tlsFirst: boolean;
    tls: TlsSettings;
    timeouts: Timeouts;
    maxStatusLine: number;
  }): Promise<Transport> {
    const where = `${opts.host}:${opts.port}`;
    return new Promise((resolve, reject) => {
      const socket = opts.tlsFirst
        ? tls.connect({ host: opts.host, port: opts.port, ...tlsOptions(opts.host, opts.tls) })
        : net.connect({ host: opts.host, port: opts.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(storeError("unavailable", `${where}: no connection within ${opts.timeouts.connectMs} ms`));
      }, opts.timeouts.connectMs);
      const failed = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(socketError(err, `connect to ${where}`));
      };
      socket.once("error", failed);
      socket.once(opts.tlsFirst ? "secureConnect" : "connect", () => {
        clearTimeout(timer);
        socket.off("error", failed);
        resolve(new Transport(socket, where, opts.timeouts, opts.maxStatusLine));
      });
    });
  }

  /** Where, and which command was awaited: for error details. */
  private doing(): string {
    const head = this.waiting[0];
    return head ? `${this.where} ${head.label}` : this.where;
  }

  get closed(): boolean {
    return this.failure !== null;
  }

  /**
   * Send `line` (null: send nothing, read the greeting) and answer its
   * response. `label` names it in errors; PASS and AUTH lines never appear.
   */
  request(line: string | null, expect: Expect, label: string, timeoutMs?: number): Promise<Response> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ label, expect, resolve, reject });
      if (line !== null) this.socket.write(`${line}\r\n`);
      if (this.waiting.length === 1) this.armResponse(timeoutMs);
      this.armIdle();
      // Bytes may already be here (a greeting that came with the connection).
      this.drain();
    });
  }

  /**
   * STLS accepted: hand the socket to TLS (RFC 2595 §4). Refused when the
   * server already sent more than its +OK — bytes that would be taken as
   * coming from inside TLS (a command-injection attack on STARTTLS).
   */
  async startTls(host: string, settings: TlsSettings): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.reader.buffered > 0 || this.waiting.length > 0) {
      const err = storeError("notPossible", `${this.where}: data after the +OK to STLS; refusing to continue`);
      this.fail(err);
      throw err;
    }
    this.detach();
    const plain = this.socket;
    // TLS reports the socket's failures itself; one the plain socket emits meanwhile must not go uncaught.
    plain.on("error", () => {});
    const secured = await new Promise<tls.TLSSocket>((resolve, reject) => {
      // `host` too: the certificate is checked against it (without it Node would check "localhost").
      const s = tls.connect({ socket: plain, host, ...tlsOptions(host, settings) });
      const timer = setTimeout(() => {
        s.destroy();
        reject(
          storeError("unavailable", `${this.where}: TLS handshake not done within ${this.timeouts.greetingMs} ms`),
        );
      }, this.timeouts.greetingMs);
      const failed = (err: Error) => {
        clearTimeout(timer);
        s.destroy();
        reject(socketError(err, `${this.where} STLS`));
      };
      s.once("error", failed);
      s.once("secureConnect", () => {
        clearTimeout(timer);
        s.off("error", failed);
        resolve(s);
      });
    }).catch((err: StoreError) => {
      this.failure = err;
      plain.destroy();
      throw err;
    });
    this.socket = secured;
    this.attach();
  }

  /** Drop the connection now; awaited responses fail with `reason`. */
  destroy(reason = "closed by Postern"): void {
    this.fail(storeError("unavailable", `${this.where}: ${reason}`));
  }

  private attach(): void {
    this.socket.on("data", this.onData);
    this.socket.on("error", this.onError);
    this.socket.on("close", this.onClose);
  }

  private detach(): void {
    this.socket.off("data", this.onData);
    this.socket.off("error", this.onError);
    this.socket.off("close", this.onClose);
  }

  private received(chunk: Buffer): void {
    this.reader.push(chunk);
    this.armIdle();
    this.drain();
  }

  private drain(): void {
    while (!this.failure && this.waiting.length) {
      const head = this.waiting[0];
      let response: Response | null;
      try {
        response = this.reader.next(head.expect);
      } catch (err) {
        const msg = err instanceof ProtocolError ? err.message : String(err);
        this.fail(storeError("unavailable", `${this.where} ${head.label}: protocol error: ${msg}`));
        return;
      }
      // The status line is in: the rest of a multi-line answer is bounded by the idle timer alone.
      if (this.reader.inData) clearTimeout(this.responseTimer);
      if (!response) return;
      this.waiting.shift();
      head.resolve(response);
      if (this.waiting.length) this.armResponse();
      else {
        clearTimeout(this.responseTimer);
        clearTimeout(this.idleTimer);
      }
    }
  }

  private armResponse(ms = this.timeouts.responseMs): void {
    clearTimeout(this.responseTimer);
    const label = this.waiting[0]?.label ?? "response";
    this.responseTimer = setTimeout(
      () => this.fail(storeError("unavailable", `${this.where} ${label}: no response within ${ms} ms`)),
      ms,
    );
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (!this.waiting.length) return;
    const ms = this.timeouts.idleMs;
    this.idleTimer = setTimeout(
      () => this.fail(storeError("unavailable", `${this.where}: the server sent nothing for ${ms} ms`)),
      ms,
    );
  }

  private fail(err: StoreError): void {
    if (this.failure) return;
    this.failure = err;
    clearTimeout(this.responseTimer);
    clearTimeout(this.idleTimer);
    this.detach();
    // A late 'error' from the socket being torn down must not become an uncaught exception.
    this.socket.on("error", () => {});
    this.socket.destroy();
    for (const w of this.waiting.splice(0)) w.reject(err);
  }
}
