// One IMAP connection's state machine. The gateway feeds it bytes and gives it
// a Transport; the session frames, parses and runs commands one at a time,
// and writes every response through one writer (respond/untagged), so
// literals, quoting and back-pressure are handled in one place.
import { capabilities } from "./capabilities.ts";
import type { CommandResult, CommandSpec, StateKind } from "./command.ts";
import { REGISTRY } from "./commands/registry.ts";
import {
  APPEND_LIMIT_BYTES,
  IDLE_TIMEOUT_MS,
  MAX_BAD_COMMANDS,
  MAX_LITERAL_BYTES,
  MAX_LITERAL_BYTES_PREAUTH,
  MAX_PIPELINED_BYTES,
  MAX_PREAUTH_COMMANDS,
  PREAUTH_TIMEOUT_MS,
} from "./limits.ts";
import type { ConnectionInfo, Logger, ServerIdentity, Transport } from "./types.ts";
import { Chunks, type EncodeOptions, type Value, writeValues } from "./wire/encoder.ts";
import { CommandReceiver, type RawCommand, tagOf } from "./wire/receiver.ts";
import { ParseError, type Token, tokenize } from "./wire/tokens.ts";

export interface SessionOptions {
  transport: Transport;
  info: ConnectionInfo;
  identity: ServerIdentity;
  log: Logger;
  /** STARTTLS can be offered (a certificate is configured and the connection is not TLS yet). */
  canStartTls: boolean;
  /** Plaintext LOGIN/AUTHENTICATE allowed without TLS (loopback in development). */
  plaintextAllowed: boolean;
}

export type SessionState =
  | { kind: "notAuthenticated" }
  | { kind: "authenticated" }
  | { kind: "selected" }
  | { kind: "logout" };

export class Session {
  readonly info: ConnectionInfo;
  readonly log: Logger;
  readonly identity: ServerIdentity;
  state: SessionState = { kind: "notAuthenticated" };
  /** Wall-clock ms of the last command, for the shared idle sweep. */
  lastActivity = Date.now();
  encodeOptions: EncodeOptions = {};
  compressed = false;

  private readonly transport: Transport;
  private readonly receiver = new CommandReceiver();
  private readonly plaintextAllowed: boolean;
  private canUpgrade: boolean;
  private busy = false;
  private paused = false;
  private closed = false;
  private badCount = 0;
  private preauthCount = 0;
  private after: Array<() => Promise<void> | void> = [];
  /** A handler (IDLE, AUTHENTICATE) that takes the next client line instead of the dispatcher. */
  private lineReader: ((line: Buffer | null) => void) | null = null;

  constructor(opts: SessionOptions) {
    this.transport = opts.transport;
    this.info = opts.info;
    this.identity = opts.identity;
    this.log = opts.log;
    this.canUpgrade = opts.canStartTls;
    this.plaintextAllowed = opts.plaintextAllowed;
  }

  get canStartTls(): boolean {
    return this.canUpgrade && !this.info.secure;
  }

  capabilities(): string[] {
    return capabilities({
      secure: this.info.secure,
      authenticated: this.state.kind === "authenticated" || this.state.kind === "selected",
      plaintextAllowed: this.plaintextAllowed,
      canStartTls: this.canUpgrade,
      compressed: this.compressed,
      appendLimit: APPEND_LIMIT_BYTES,
    });
  }

  start(): void {
    this.untagged(`OK [CAPABILITY ${this.capabilities().join(" ")}] ${this.identity.name} ready`);
  }

  // ---- input -------------------------------------------------------------

  receive(chunk: Buffer): void {
    if (this.closed) return;
    this.receiver.push(chunk);
    this.pump();
  }

  /** The peer closed the connection (or it failed). */
  onClose(): void {
    this.closed = true;
    this.lineReader?.(null);
    this.lineReader = null;
  }

  private pump(): void {
    while (!this.closed) {
      // While a command runs, only a handler waiting for a line (IDLE's
      // DONE, a SASL response) takes input; the rest waits its turn.
      if (this.busy && !this.lineReader) break;
      const ev = this.receiver.next();
      if (!ev) break;
      switch (ev.type) {
        case "tooLong": {
          const tag = tagOf(ev.head);
          this.reply(tag ?? "*", { status: "BAD", text: "Command line too long" });
          this.countBad();
          continue;
        }
        case "literal":
          this.decideLiteral(ev.size, ev.sync, ev.head);
          continue;
        case "command":
          this.lastActivity = Date.now();
          if (this.lineReader) {
            const reader = this.lineReader;
            this.lineReader = null;
            reader(ev.command.lines.length === 1 ? ev.command.lines[0] : Buffer.concat(ev.command.lines));
            continue;
          }
          this.busy = true;
          void this.execute(ev.command).finally(() => {
            this.busy = false;
            this.maybeResume();
            this.pump();
          });
          break;
      }
    }
    if (this.busy && !this.paused && this.receiver.buffered > MAX_PIPELINED_BYTES) {
      this.paused = true;
      this.transport.pause();
    }
  }

  private maybeResume(): void {
    if (this.paused && this.receiver.buffered < MAX_PIPELINED_BYTES / 2) {
      this.paused = false;
      this.transport.resume();
    }
  }

  private decideLiteral(size: number, sync: boolean, head: Buffer): void {
    const name = commandNameOf(head);
    const isAppend = name === "APPEND";
    const limit =
      this.state.kind === "notAuthenticated"
        ? MAX_LITERAL_BYTES_PREAUTH
        : isAppend
          ? APPEND_LIMIT_BYTES
          : MAX_LITERAL_BYTES;
    const tag = tagOf(head) ?? "*";
    if (size > limit) {
      this.receiver.reject();
      if (isAppend && this.state.kind !== "notAuthenticated") {
        this.reply(tag, { status: "NO", code: "TOOBIG", text: `Message too large (limit ${limit} bytes)` });
      } else {
        this.reply(tag, { status: "BAD", text: `Literal too large (limit ${limit} bytes)` });
        this.countBad();
      }
      return;
    }
    if (!isAppend && this.receiver.wouldExceed(size)) {
      this.receiver.reject();
      this.reply(tag, { status: "BAD", text: "Command too large" });
      this.countBad();
      return;
    }
    if (!isAppend) this.receiver.chargeLiteral(size);
    this.receiver.accept();
    if (sync) this.writeLine("+ Ready for literal data");
  }

  /** For handlers: the next line the client sends (IDLE's DONE, SASL responses); null if the connection closed. */
  readLine(): Promise<Buffer | null> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(null);
      this.lineReader = resolve;
      // A line may already be buffered (a pipelined DONE).
      queueMicrotask(() => this.pump());
    });
  }

  // ---- dispatch ----------------------------------------------------------

  private async execute(raw: RawCommand): Promise<void> {
    let tag = tagOf(raw.lines[0]) ?? "*";
    let spec: CommandSpec<unknown> | undefined;
    let args: unknown;
    try {
      const { tag: t, tokens } = tokenize(raw);
      tag = t;
      const resolved = resolveCommand(tokens);
      if (!resolved) {
        this.reply(tag, { status: "BAD", text: "Unknown command" });
        this.countBad();
        return;
      }
      spec = resolved.spec;
      if (!spec.states.includes(this.state.kind as StateKind)) {
        this.reply(tag, { status: "BAD", text: `${spec.name} is not valid ${stateText(this.state.kind)}` });
        this.countBad();
        return;
      }
      args = spec.parse(resolved.args);
    } catch (err) {
      if (err instanceof ParseError) {
        this.reply(tag, { status: "BAD", text: `Syntax error: ${err.message}` });
        this.countBad();
        return;
      }
      throw err;
    }
    if (this.state.kind === "notAuthenticated" && ++this.preauthCount > MAX_PREAUTH_COMMANDS) {
      this.bye("Too many commands before authentication");
      return;
    }
    let result: CommandResult;
    try {
      result = await spec.run(this, args, tag);
    } catch (err) {
      if (err instanceof ParseError) {
        result = { status: "BAD", text: `Syntax error: ${err.message}` };
      } else {
        this.log.error({ err, conn: this.info.id, command: spec.name }, "command failed");
        result = { status: "NO", code: "SERVERBUG", text: "Internal error; the error has been logged" };
      }
    }
    if (this.closed) return;
    if (result.status === "BAD") this.countBad();
    else this.badCount = 0;
    this.reply(tag, result);
    const after = this.after;
    this.after = [];
    for (const fn of after) await fn();
  }

  private countBad(): void {
    if (++this.badCount >= MAX_BAD_COMMANDS) this.bye("Too many invalid commands");
  }

  // ---- output ------------------------------------------------------------

  /** `* <text>` */
  untagged(text: string): boolean {
    return this.writeLine(`* ${text}`);
  }

  /** `* <values…>` with quoting/literals chosen by the encoder. */
  untaggedValues(values: Value[]): boolean {
    const out = new Chunks();
    out.add("* ");
    writeValues(out, values, this.encodeOptions);
    out.add("\r\n");
    return this.transport.write(out.buffers());
  }

  reply(tag: string, r: CommandResult): void {
    const code = r.code ? `[${r.code}] ` : "";
    this.writeLine(`${tag} ${r.status} ${code}${r.text}`);
  }

  writeLine(line: string): boolean {
    if (this.closed) return false;
    return this.transport.write([Buffer.from(`${line}\r\n`, "utf8")]);
  }

  /** Wait for the client to read what was written (large FETCH responses). */
  drain(): Promise<void> {
    return this.transport.drain();
  }

  /** Run after the tagged response is written (STARTTLS, COMPRESS). */
  afterResponse(fn: () => Promise<void> | void): void {
    this.after.push(fn);
  }

  async upgradeTls(): Promise<void> {
    if (!this.transport.startTls) return;
    // RFC 2595 §3.1 / CVE-2011-0411: nothing pipelined in the clear survives.
    this.receiver.reset();
    await this.transport.startTls();
    this.info.secure = true;
  }

  enterLogout(): void {
    this.state = { kind: "logout" };
    this.afterResponse(() => this.end());
  }

  bye(text: string): void {
    this.untagged(`BYE ${text}`);
    this.end();
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.lineReader?.(null);
    this.lineReader = null;
    this.transport.end();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Called by the gateway's shared timer wheel; ends sessions idle past RFC 3501 §5.4's limit. */
  checkTimeout(now: number): void {
    if (this.closed) return;
    const limit = this.state.kind === "notAuthenticated" ? PREAUTH_TIMEOUT_MS : IDLE_TIMEOUT_MS;
    if (now - this.lastActivity > limit) this.bye("Autologout; idle for too long");
  }
}

function stateText(kind: SessionState["kind"]): string {
  switch (kind) {
    case "notAuthenticated":
      return "before authentication";
    case "authenticated":
      return "without a selected mailbox";
    case "selected":
      return "with a mailbox selected";
    case "logout":
      return "after LOGOUT";
  }
}

function resolveCommand(tokens: Token[]): { spec: CommandSpec<unknown>; args: Token[] } | null {
  const first = tokens[0];
  if (!first || first.type !== "atom") return null;
  let name = first.value.toUpperCase();
  let rest = tokens.slice(1);
  if (name === "UID") {
    const second = rest[0];
    if (!second || second.type !== "atom") return null;
    name = `UID ${second.value.toUpperCase()}`;
    rest = rest.slice(1);
  }
  const spec = REGISTRY.get(name);
  return spec ? { spec, args: rest } : null;
}

function commandNameOf(head: Buffer): string {
  const parts = head.subarray(0, 64).toString("latin1").split(" ");
  const name = (parts[1] ?? "").toUpperCase();
  return name === "UID" ? `UID ${(parts[2] ?? "").toUpperCase()}` : name;
}
