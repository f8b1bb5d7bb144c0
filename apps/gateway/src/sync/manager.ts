// Runs an account worker for every mailbox whose mail lives at a backend.
// Across several gateways on one database, a session-level advisory lock
// per mailbox (all held on one connection) makes exactly one of them sync
// it; the others retry the lock now and then.
import type { Keyring } from "@postern/db/secrets";
import pg from "pg";
import { driverFor } from "../backends/registry.ts";
import type { BackendSession } from "../backends/types.ts";
import type { EventListener } from "../events.ts";
import type { Log } from "../log.ts";
import type { ChangeBus } from "../store/bus.ts";
import { loadAccount, remoteMailboxes } from "./account.ts";
import { downloadBody, evictBodies } from "./bodies.ts";
import type { RemoteHooks } from "./ops.ts";
import { AccountWorker } from "./worker.ts";

export interface SyncManagerOptions {
  pool: pg.Pool;
  databaseUrl: string;
  bus: ChangeBus;
  keyring: Keyring;
  log: Log;
  events: EventListener;
  /** Cached bodies of backend mail kept at most (bytes). */
  bodyCacheBytes: number;
}

const LOCK_RETRY_MS = 30_000;
const FETCH_SESSION_IDLE_MS = 3 * 60_000;
const EVICT_EVERY_MS = 10 * 60_000;
/** A non-leader gateway forwards "a phone opened INBOX" at most this often per mailbox. */
const INBOX_NOTIFY_MIN_MS = 5000;

export class SyncManager {
  private readonly workers = new Map<string, AccountWorker>();
  private readonly fetchers = new Map<string, { session: BackendSession; refresh(): void; close(): Promise<void> }>();
  private readonly inboxNotified = new Map<string, number>();
  private lockClient: pg.Client | null = null;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly o: SyncManagerOptions) {}

  async start(): Promise<void> {
    this.lockClient = new pg.Client({ connectionString: this.o.databaseUrl });
    this.lockClient.on("error", (err) => this.o.log.warn({ err: err.message }, "sync lock connection failed"));
    await this.lockClient.connect();
    await this.refresh();
    this.o.events.on((e) => {
      if (e.type === "mailbox.changed") void this.refresh(e.mailboxId);
      if (e.type === "mailbox.sync") this.workers.get(e.mailboxId)?.poke({ full: true });
      if (e.type === "mailbox.ops") this.workers.get(e.mailboxId)?.poke();
      if (e.type === "mailbox.inbox") this.workers.get(e.mailboxId)?.inboxOpened();
      // A gateway stopped and let go of its mailboxes: take them over now.
      if (e.type === "sync.released") void this.refresh();
    });
    const retry = setInterval(() => void this.refresh(), LOCK_RETRY_MS);
    const evict = setInterval(() => {
      void evictBodies(this.o.pool, this.o.bodyCacheBytes)
        .then((n) => n && this.o.log.info({ evicted: n }, "evicted cached message bodies"))
        .catch((err) => this.o.log.warn({ err: err.message }, "body cache eviction failed"));
    }, EVICT_EVERY_MS);
    retry.unref();
    evict.unref();
    this.timers.push(retry, evict);
  }

  /** Start workers for remote mailboxes this gateway can lead; restart one whose settings changed. */
  async refresh(changedMailboxId?: string): Promise<void> {
    if (this.stopped || !this.lockClient) return;
    try {
      if (changedMailboxId && this.workers.has(changedMailboxId)) {
        // New password or backend settings: reconnect with them.
        const w = this.workers.get(changedMailboxId) as AccountWorker;
        this.workers.delete(changedMailboxId);
        await w.stop();
      }
      const mailboxes = await remoteMailboxes(this.o.pool);
      const wanted = new Set(mailboxes.map((m) => m.id));
      for (const [id, w] of this.workers) {
        if (!wanted.has(id)) {
          this.workers.delete(id);
          await w.stop();
          await this.lockClient.query("SELECT pg_advisory_unlock(hashtext($1))", [`postern-sync:${id}`]);
        }
      }
      for (const m of mailboxes) {
        if (this.workers.has(m.id)) continue;
        const got = await this.lockClient.query("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [
          `postern-sync:${m.id}`,
        ]);
        if (!got.rows[0].ok) continue; // another gateway syncs it
        const w = new AccountWorker(m.id, {
          pool: this.o.pool,
          bus: this.o.bus,
          keyring: this.o.keyring,
          log: this.o.log,
        });
        this.workers.set(m.id, w);
        w.start();
      }
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, "sync manager refresh failed");
    }
  }

  /** The store's view of the sync engine for one mailbox. */
  hooksFor(mailboxId: string): RemoteHooks {
    return {
      opsQueued: () => {
        const local = this.workers.get(mailboxId);
        if (local) local.poke();
        // Another gateway syncs this mailbox: wake it through the database.
        else
          this.o.pool
            .query("SELECT pg_notify('postern_events', $1)", [JSON.stringify({ type: "mailbox.ops", mailboxId })])
            .catch(() => {});
      },
      inboxOpened: () => {
        const local = this.workers.get(mailboxId);
        if (local) return local.inboxOpened();
        // Synced by another gateway: tell it, a few seconds apart at most.
        const last = this.inboxNotified.get(mailboxId) ?? 0;
        if (Date.now() - last < INBOX_NOTIFY_MIN_MS) return;
        this.inboxNotified.set(mailboxId, Date.now());
        this.o.pool
          .query("SELECT pg_notify('postern_events', $1)", [JSON.stringify({ type: "mailbox.inbox", mailboxId })])
          .catch(() => {});
      },
      fetchBody: async (folderId, uid) => {
        const local = this.workers.get(mailboxId)?.backend;
        return downloadBody(this.o.pool, local ?? (await this.fetchSession(mailboxId)), folderId, uid);
      },
    };
  }

  /**
   * A backend session for downloading bodies of a mailbox another gateway
   * syncs (or whose worker is between connections): opened on demand, closed
   * after a few idle minutes.
   */
  private async fetchSession(mailboxId: string): Promise<BackendSession | null> {
    const cached = this.fetchers.get(mailboxId);
    if (cached) {
      cached.refresh();
      return cached.session;
    }
    try {
      const account = await loadAccount(this.o.pool, this.o.keyring, mailboxId);
      const driver = account ? driverFor(account.kind) : undefined;
      if (!account || !driver) return null;
      const session = await driver.connect(account);
      const timer = setTimeout(() => {
        this.fetchers.delete(mailboxId);
        void session.close().catch(() => {});
      }, FETCH_SESSION_IDLE_MS);
      timer.unref();
      this.fetchers.set(mailboxId, { session, refresh: () => timer.refresh(), close: () => session.close() });
      return session;
    } catch {
      // downloadBody answers "unavailable" for a null session.
      return null;
    }
  }

  worker(mailboxId: string): AccountWorker | undefined {
    return this.workers.get(mailboxId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
    await Promise.all([...this.fetchers.values()].map((f) => f.close().catch(() => {})));
    this.fetchers.clear();
    const held = this.workers.size > 0 || this.lockClient !== null;
    await this.lockClient?.end().catch(() => {});
    if (held) {
      await this.o.pool
        .query("SELECT pg_notify('postern_events', $1)", [JSON.stringify({ type: "sync.released" })])
        .catch(() => {});
    }
  }
}
