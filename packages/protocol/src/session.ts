// One IMAP connection's state machine. The gateway feeds it bytes and gives it
// a Transport; the session frames, parses and runs commands one at a time,
// and writes every response through one writer, so literals, quoting and
// back-pressure are handled in one place.
import { capabilities } from "./capabilities.ts";
import type { CommandResult, CommandSpec, StateKind } from "./command.ts";
import { REGISTRY } from "./commands/registry.ts";
import { storeErrorResult } from "./errors.ts";
import {
  APPEND_LIMIT_BYTES,
  IDLE_TIMEOUT_MS,
  MAX_AUTH_FAILURES_PER_CONNECTION,
  MAX_BAD_COMMANDS,
  MAX_LITERAL_BYTES,
  MAX_LITERAL_BYTES_PREAUTH,
  MAX_PIPELINED_BYTES,
  MAX_PREAUTH_COMMANDS,
  PREAUTH_TIMEOUT_MS,
} from "./limits.ts";
import { formatUidSet } from "./sequence.ts";
import { type Authenticator, type MailStore, StoreError } from "./store.ts";
import type { ConnectionInfo, Logger, ServerIdentity, Transport } from "./types.ts";
import type { SelectedView } from "./view.ts";
import { Chunks, type EncodeOptions, type Value, writeValues } from "./wire/encoder.ts";
import { CommandReceiver, type RawCommand, tagOf } from "./wire/receiver.ts";
import { ParseError, type Token, tokenize } from "./wire/tokens.ts";

export interface SessionOptions {
  transport: Transport;
  info: ConnectionInfo;
  identity: ServerIdentity;
  log: Logger;
  auth: Authenticator;
  /** STARTTLS can be offered (the connection is not TLS yet). */
  canStartTls: boolean;
  /** Plaintext LOGIN/AUTHENTICATE allowed without TLS (loopback in development). */
  plaintextAllowed: boolean;
  /** Observe each command (metrics, a device's recent commands). */
  onCommand?: (name: string, status: string, ms: number, detail: CommandDetail) => void;
}

/** What a command's completion says beyond its status, for an admin asking "why isn't this phone syncing". */
export interface CommandDetail {
  /** The folder selected when it completed, if any. */
  folder?: string;
  /** The response code's name (UNAVAILABLE, NONEXISTENT…), if any. */
  code?: string;
  /** The reply text of a NO or BAD after login (before login it could echo a password). */
  text?: string;
}

export type SessionState =
  | { kind: "notAuthenticated" }
  | { kind: "authenticated"; user: string; store: MailStore }
  | { kind: "selected"; user: string; store: MailStore; view: SelectedView }
  | { kind: "logout" };

export class Session {
  readonly info: ConnectionInfo;
  readonly log: Logger;
  readonly identity: ServerIdentity;
  readonly auth: Authenticator;
  state: SessionState = { kind: "notAuthenticated" };
  /** Wall-clock ms of the last command, for the shared idle sweep. */
  lastActivity = Date.now();
  encodeOptions: EncodeOptions = {};
  compressed = false;
  /** RFC 7162: CONDSTORE is on once enabled or used; QRESYNC once enabled. */
  condstore = false;
  qresync = false;
  /** What the client said in ID (for logs and the device list). */
  clientId: Record<string, string> | undefined;
  authFailures = 0;
  /** True while an IDLE is running. */
  idling = false;

  private readonly transport: Transport;
  private readonly receiver = new CommandReceiver();
  private readonly plaintextOk: boolean;
  private readonly onCommand?: SessionOptions["onCommand"];
  private canUpgrade: boolean;
  private busy = false;
  private paused = false;
  private closed = false;
  private badCount = 0;
  private preauthCount = 0;
  private after: Array<() => Promise<void> | void> = [];
  /** A handler (IDLE, AUTHENTICATE) that takes the next client line instead of the dispatcher. */
  private lineReader: ((line: Buffer | null) => void) | null = null;
  /** IDLE's wake-up when the selected folder changes. */
  private changeWaiter: (() => void) | null = null;
  /** A line that arrived for IDLE while it was busy sending updates. */
  private idleLine: Buffer | null | undefined;
  private closeHandlers: Array<() => void> = [];

  constructor(opts: SessionOptions) {
    this.transport = opts.transport;
    this.info = opts.info;
    this.identity = opts.identity;
    this.log = opts.log;
    this.auth = opts.auth;
    this.canUpgrade = opts.canStartTls;
    this.plaintextOk = opts.plaintextAllowed;
    this.onCommand = opts.onCommand;
  }

  get canStartTls(): boolean {
    return this.canUpgrade && !this.info.secure;
  }

  /** Plaintext credentials may be sent now (TLS, or loopback in development). */
  get authAllowed(): boolean {
    return this.info.secure || this.plaintextOk;
  }

  get authenticated(): boolean {
    return this.state.kind === "authenticated" || this.state.kind === "selected";
  }

  capabilities(): string[] {
    return capabilities({
      secure: this.info.secure,
      authenticated: this.authenticated,
      plaintextAllowed: this.plaintextOk,
      canStartTls: this.canUpgrade,
      compressed: this.compressed,
      appendLimit: APPEND_LIMIT_BYTES,
    });
  }

  start(): void {
    this.untagged(`OK [CAPABILITY ${this.capabilities().join(" ")}] ${this.identity.name} ready`);
  }

  // ---- state ---------------------------------------------------------------

  /** The store of an authenticated session (commands are only dispatched in states where it exists). */
  get store(): MailStore {
    if (this.state.kind !== "authenticated" && this.state.kind !== "selected") throw new Error("not authenticated");
    return this.state.store;
  }

  get view(): SelectedView {
    if (this.state.kind !== "selected") throw new Error("no mailbox selected");
    return this.state.view;
  }

  get selectedView(): SelectedView | null {
    return this.state.kind === "selected" ? this.state.view : null;
  }

  loggedIn(user: string, store: MailStore): void {
    this.state = { kind: "authenticated", user, store };
    this.onClose(() => void store.close());
  }

  /** Enter the selected state on a view (SELECT/EXAMINE); leaves any previous one. */
  select(view: SelectedView): void {
    this.deselect();
    if (this.state.kind !== "authenticated") return;
    view.unwatch = this.state.store.watch(view.folder, () => {
      view.dirty = true;
      this.changeWaiter?.();
    });
    this.state = { kind: "selected", user: this.state.user, store: this.state.store, view };
  }

  /** Back to authenticated (CLOSE, UNSELECT, a failed SELECT). */
  deselect(): void {
    if (this.state.kind !== "selected") return;
    this.state.view.unwatch?.();
    this.state = { kind: "authenticated", user: this.state.user, store: this.state.store };
  }

  onClose(fn: () => void): void {
    this.closeHandlers.push(fn);
  }

  // ---- input -------------------------------------------------------------

  receive(chunk: Buffer): void {
    if (this.closed) return;
    this.receiver.push(chunk);
    this.pump();
  }

  /** The peer closed the connection (or it failed). */
  connectionClosed(): void {
    const wasClosed = this.closed;
    this.closed = true;
    this.lineReader?.(null);
    this.lineReader = null;
    this.changeWaiter?.();
    if (!wasClosed || this.closeHandlers.length) this.runCloseHandlers();
  }

  private runCloseHandlers(): void {
    this.deselect();
    const handlers = this.closeHandlers;
    this.closeHandlers = [];
    for (const h of handlers) {
      try {
        h();
      } catch (err) {
        this.log.warn({ err, conn: this.info.id }, "close handler failed");
      }
    }
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
          // A handler waiting for a line (IDLE's DONE, a SASL response) gets this one and
          // answers on its own tag: replying on the new line's tag first would be out of order.
          if (this.giveLine(ev.head)) continue;
          const tag = tagOf(ev.head);
          this.reply(tag ?? "*", { status: "BAD", text: "Command line too long" });
          this.countBad();
          continue;
        }
        case "literal":
          if (this.lineReader) {
            // Neither DONE nor a SASL response carries a literal: not read, and the line goes to the handler.
            this.receiver.reject();
            this.giveLine(ev.head);
            continue;
          }
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
          void this.run(ev.command);
          break;
      }
    }
    if (this.busy && !this.paused && this.receiver.buffered > MAX_PIPELINED_BYTES) {
      this.paused = true;
      this.transport.pause();
    } else {
      // Input may have been consumed without a command finishing (a refused
      // literal read past, an APPEND literal collected): read on.
      this.maybeResume();
    }
  }

  /** Hand `line` to a handler waiting for one; false when none is. */
  private giveLine(line: Buffer): boolean {
    const reader = this.lineReader;
    if (!reader) return false;
    this.lineReader = null;
    reader(line);
    return true;
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
    const limit = !this.authenticated ? MAX_LITERAL_BYTES_PREAUTH : isAppend ? APPEND_LIMIT_BYTES : MAX_LITERAL_BYTES;
    const tag = tagOf(head) ?? "*";
    if (size > limit) {
      this.receiver.reject();
      if (isAppend && this.authenticated) {
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

  /**
   * For IDLE: the client's next line (DONE), or "change" when the selected
   * folder changed first, or null when the connection closed. One pending
   * promise per idling phone, however long it idles.
   */
  idleWait(): Promise<Buffer | null | "change"> {
    if (this.idleLine !== undefined) {
      const line = this.idleLine;
      this.idleLine = undefined;
      return Promise.resolve(line);
    }
    if (this.closed) return Promise.resolve(null);
    if (this.selectedView?.dirty) return Promise.resolve("change");
    return new Promise((resolve) => {
      this.lineReader = (line) => {
        this.lineReader = null;
        this.changeWaiter = null;
        resolve(line);
      };
      this.changeWaiter = () => {
        this.changeWaiter = null;
        // Keep listening for the line: it arrives while updates are sent.
        this.lineReader = (line) => {
          this.lineReader = null;
          this.idleLine = line;
        };
        resolve("change");
      };
      // A line may already be buffered (a pipelined DONE).
      queueMicrotask(() => this.pump());
    });
  }

  // ---- dispatch ----------------------------------------------------------

  /** One command, then back to the input (a single promise per command in flight). */
  private async run(raw: RawCommand): Promise<void> {
    try {
      await this.execute(raw);
    } catch (err) {
      this.log.error({ err, conn: this.info.id }, "session failed");
      this.end();
    }
    this.busy = false;
    this.maybeResume();
    this.pump();
  }

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
    const started = performance.now();
    let result: CommandResult;
    try {
      result = await spec.run(this, args, tag);
      // Updates others made go out with every reply, where RFC 3501 §7.4.1 allows.
      if (!this.closed && this.state.kind === "selected" && result.status !== "BAD") {
        await this.syncView({ expungeAllowed: spec.expungeAllowed, force: false });
      }
    } catch (err) {
      result = this.errorResult(err, spec.name);
    }
    if (this.onCommand) {
      const folder = this.selectedView?.folder.name;
      const failed = result.status !== "OK" && this.state.kind !== "notAuthenticated";
      this.onCommand(spec.name, result.status, performance.now() - started, {
        folder,
        code: result.code?.split(" ")[0],
        text: failed ? result.text : undefined,
      });
    }
    if (this.closed) return;
    if (result.status === "BAD") this.countBad();
    else this.badCount = 0;
    this.reply(tag, result);
    // Between commands a selected session holds only its UID runs.
    this.selectedView?.releaseFlat();
    const after = this.after;
    this.after = [];
    for (const fn of after) await fn();
  }

  errorResult(err: unknown, command: string): CommandResult {
    if (err instanceof ParseError) return { status: "BAD", text: `Syntax error: ${err.message}` };
    if (err instanceof StoreError) {
      if (err.detail && err.detail !== "TRYCREATE")
        this.log.warn({ conn: this.info.id, command, detail: err.detail }, err.message);
      return storeErrorResult(err);
    }
    this.log.error({ err, conn: this.info.id, command }, "command failed");
    return { status: "NO", code: "SERVERBUG", text: "Internal error; the error has been logged" };
  }

  private countBad(): void {
    if (++this.badCount >= MAX_BAD_COMMANDS) this.bye("Too many invalid commands");
  }

  // ---- mailbox updates (RFC 3501 §7.4.1, RFC 7162) -------------------------

  /**
   * Tell the client what changed in the selected folder: new messages
   * (EXISTS, RECENT), flag changes (FETCH), expunges (EXPUNGE or VANISHED)
   * — the last only where allowed. Reads from the store only when the bus
   * said something changed, or when `force` (NOOP, CHECK, IDLE).
   */
  async syncView(opts: { expungeAllowed: boolean; force: boolean }): Promise<void> {
    const view = this.selectedView;
    if (!view || this.state.kind !== "selected") return;
    const store = this.state.store;
    if (view.dirty || opts.force) {
      view.dirty = false;
      let changes: Awaited<ReturnType<MailStore["changes"]>>;
      try {
        changes = await store.changes(view.folder, view.knownModseq);
      } catch (err) {
        if (err instanceof StoreError && err.code === "nonexistent") {
          // The folder was deleted under us: nothing sensible to show any more.
          this.bye("Selected mailbox was deleted, have to disconnect");
          return;
        }
        throw err;
      }
      for (const uid of changes.expunged) if (view.seqOf(uid)) view.pendingExpunge.add(uid);
      const fresh: number[] = [];
      const last = view.lastUid;
      const flagUpdates: Array<{ uid: number; modseq: number; flags: string[] }> = [];
      for (const m of changes.changed) {
        if (m.uid > last) fresh.push(m.uid);
        else if (!view.pendingExpunge.has(m.uid) && (view.ownChanges.get(m.uid) ?? 0) < m.modseq) flagUpdates.push(m);
      }
      view.ownChanges.clear();
      if (opts.expungeAllowed) this.flushExpunges(view);
      if (fresh.length) {
        view.append(fresh);
        const mine = await store.claimRecent(view.folder, fresh);
        for (const u of mine) view.recent.add(u);
        this.untagged(`${view.exists} EXISTS`);
        this.untagged(`${view.recent.size} RECENT`);
      }
      for (const m of flagUpdates) {
        const seq = view.seqOf(m.uid);
        if (seq) this.untagged(`${seq} FETCH (${this.fetchFlagsText(view, m)})`);
      }
      view.knownModseq = Math.max(view.knownModseq, changes.highestModseq);
    } else if (opts.expungeAllowed && view.pendingExpunge.size) {
      this.flushExpunges(view);
    }
  }

  /** Report expunges; highest sequence number first, so the lower ones stay valid as we go. */
  flushExpunges(view: SelectedView, uids?: number[]): void {
    const list = uids ?? [...view.pendingExpunge];
    if (!list.length) return;
    if (this.qresync) {
      // RFC 7162 §3.2.10: with QRESYNC, VANISHED replaces EXPUNGE.
      const present = list.filter((u) => view.seqOf(u)).sort((a, b) => a - b);
      for (const u of present) view.remove(u);
      for (const u of list) view.pendingExpunge.delete(u);
      if (present.length) this.untagged(`VANISHED ${formatUidSet(present)}`);
      return;
    }
    const seqs = list.map((u) => [view.seqOf(u), u] as const).filter(([s]) => s > 0);
    seqs.sort((a, b) => b[0] - a[0]);
    for (const [seq, uid] of seqs) {
      view.remove(uid);
      this.untagged(`${seq} EXPUNGE`);
    }
    for (const u of list) view.pendingExpunge.delete(u);
  }

  /** FLAGS (…) [MODSEQ (n)] [UID n] for an unsolicited or STORE FETCH response. */
  fetchFlagsText(
    view: SelectedView,
    m: { uid: number; modseq: number; flags: string[] },
    withUid = this.qresync,
  ): string {
    let s = `FLAGS (${flagText(m.flags, view.recent.has(m.uid))})`;
    if (this.condstore) s += ` MODSEQ (${m.modseq})`;
    if (withUid) s = `UID ${m.uid} ${s}`;
    return s;
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
    return this.writeChunks(out.buffers());
  }

  writeChunks(chunks: Buffer[]): boolean {
    if (this.closed) return false;
    return this.transport.write(chunks);
  }

  reply(tag: string, r: CommandResult): void {
    const code = r.code ? `[${r.code}] ` : "";
    // Response text is 7-bit printable (RFC 3501 §9 text): error messages
    // may quote what the client sent, which must not inject CR/LF or 8-bit.
    this.writeLine(`${tag} ${r.status} ${code}${r.text.replace(/[^\x20-\x7e]/g, "?")}`);
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
    try {
      await this.transport.startTls();
    } catch (err) {
      // The client's doing (it sent no TLS, or hung up): worth a debug line, not an error.
      this.log.debug({ conn: this.info.id, err: (err as Error).message }, "STARTTLS handshake failed");
      this.end();
      return;
    }
    this.info.secure = true;
  }

  startCompression(): boolean {
    if (!this.transport.startCompression || this.compressed) return false;
    this.transport.startCompression();
    this.compressed = true;
    return true;
  }

  get canCompress(): boolean {
    return Boolean(this.transport.startCompression) && !this.compressed;
  }

  /** A failed login: after too many on one connection, the client is cut off. */
  noteAuthFailure(): void {
    if (++this.authFailures >= MAX_AUTH_FAILURES_PER_CONNECTION) {
      this.afterResponse(() => this.bye("Too many failed logins"));
    }
  }

  enterLogout(): void {
    this.deselect();
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
    // Nothing more will be read from this client: drop what it sent.
    this.receiver.reset();
    this.lineReader?.(null);
    this.lineReader = null;
    this.changeWaiter?.();
    this.transport.end();
    this.runCloseHandlers();
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

export function flagText(flags: string[], recent: boolean): string {
  return recent ? [...flags, "\\Recent"].join(" ") : flags.join(" ");
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
  if (first?.type !== "atom") return null;
  let name = first.value.toUpperCase();
  let rest = tokens.slice(1);
  if (name === "UID") {
    const second = rest[0];
    if (second?.type !== "atom") return null;
    name = `UID ${second.value.toUpperCase()}`;
    rest = rest.slice(1);
  }
  const spec = REGISTRY.get(name);
  return spec ? { spec, args: rest } : null;
}

function commandNameOf(head: Buffer): string {
  const parts = head.subarray(0, 80).toString("latin1").split(/ +/);
  const name = (parts[1] ?? "").toUpperCase();
  return name === "UID" ? `UID ${(parts[2] ?? "").toUpperCase()}` : name;
}
