// Push from an IMAP backend: a connection of its own that EXAMINEs one folder
// and IDLEs (RFC 2177), re-issued every IDLE_RESTART_MS; a server without
// IDLE is polled with NOOP. EXISTS, EXPUNGE/VANISHED and FETCH (flags) wake
// the sync engine, which then asks syncFolder() what changed — the
// notification itself carries nothing the engine relies on. A dropped
// connection is reopened with backoff, and the engine is woken once it is
// back, since anything may have happened while it was away.
import type { ImapFlow } from "imapflow";
import type { BackendAccount } from "../types.ts";
import { closeClient, openClient } from "./connection.ts";
import { DEFAULT_POLL_SECONDS, MIN_POLL_SECONDS, RECONNECT_FIRST_MS, RECONNECT_MAX_MS } from "./limits.ts";

/** How often a server without IDLE is polled: `options.pollIntervalSeconds`, default 30 s, never under 5 s. */
export function pollIntervalMs(account: BackendAccount): number {
  const configured = Number(account.options.pollIntervalSeconds);
  const seconds = Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_POLL_SECONDS;
  return Math.max(seconds, MIN_POLL_SECONDS) * 1000;
}

/** The n-th reconnect delay: doubling, capped, with ±20 % jitter so many sessions do not return at once. */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export class FolderWatch {
  private client: ImapFlow | null = null;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private notifyQueued = false;

  constructor(
    private readonly account: BackendAccount,
    private readonly folderRef: string,
    private readonly onChange: () => void,
  ) {}

  /** Connect and start listening; the first connection's failure is the caller's (a StoreError). */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    if (client) await closeClient(client);
  }

  /** Events of one burst (a delivery is EXISTS then FETCH FLAGS) wake the engine once. */
  private notify(): void {
    if (this.stopped || this.notifyQueued) return;
    this.notifyQueued = true;
    setImmediate(() => {
      this.notifyQueued = false;
      if (this.stopped) return;
      try {
        this.onChange();
      } catch {
        // The engine's handler failing must not take the watch down with it.
      }
    });
  }

  private async connect(): Promise<void> {
    const client = await openClient(this.account, "watch");
    const wake = () => this.notify();
    client.on("exists", wake);
    client.on("expunge", wake);
    client.on("flags", wake);
    client.on("close", () => this.dropped(client));
    try {
      await client.mailboxOpen(this.folderRef, { readOnly: true });
    } catch (err) {
      client.close();
      throw err;
    }
    if (this.stopped) {
      await closeClient(client);
      return;
    }
    this.client = client;
    this.attempt = 0;
    if (client.capabilities.has("IDLE")) void this.idle(client);
    else this.poll(client);
  }

  private alive(client: ImapFlow): boolean {
    return !this.stopped && this.client === client && client.usable;
  }

  /**
   * imapflow's idle() returns when something breaks the IDLE: the server, or
   * the NOOP imapflow sends when the socket has been quiet too long. It is
   * started again for as long as the connection lives; IDLE_RESTART_MS
   * restarts happen inside it.
   */
  private async idle(client: ImapFlow): Promise<void> {
    while (this.alive(client)) {
      const started = Date.now();
      await client.idle().catch(() => {});
      // A server that ends IDLE at once (or refuses it) must not turn this into a busy loop.
      if (Date.now() - started < 1000) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private poll(client: ImapFlow): void {
    const tick = () => {
      if (!this.alive(client)) return;
      // NOOP's untagged EXISTS/EXPUNGE/FETCH responses raise the events that notify().
      client.noop().then(
        () => {
          if (this.alive(client)) this.timer = setTimeout(tick, pollIntervalMs(this.account));
        },
        () => client.close(),
      );
    };
    this.timer = setTimeout(tick, pollIntervalMs(this.account));
  }

  private dropped(client: ImapFlow): void {
    if (this.stopped || this.client !== client) return;
    this.client = null;
    this.reconnect();
  }

  private reconnect(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      this.timer = null;
      if (this.stopped) return;
      try {
        await this.connect();
        // Changes while disconnected went unseen: the engine re-syncs.
        this.notify();
      } catch {
        this.attempt++;
        this.reconnect();
      }
    }, reconnectDelay(this.attempt));
  }
}

export async function watchFolder(
  account: BackendAccount,
  folderRef: string,
  onChange: () => void,
): Promise<FolderWatch> {
  const watch = new FolderWatch(account, folderRef, onChange);
  await watch.start();
  return watch;
}
