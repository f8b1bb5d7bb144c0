// One mailbox's sync loop: connect to the backend, apply the phones' pending
// operations, bring the index up to date, then wait — for IDLE on the
// backend's INBOX, for a phone's change, or for the poll of the other
// folders — and go round again. When the backend is down it backs off and
// says so in the mailbox's status; phones keep reading the index meanwhile.

import type { Keyring } from "@postern/db/secrets";
import { StoreError } from "@postern/protocol";
import type pg from "pg";
import { driverFor } from "../backends/registry.ts";
import type { BackendAccount, BackendSession, FolderSync } from "../backends/types.ts";
import type { Log } from "../log.ts";
import type { ChangeBus } from "../store/bus.ts";
import { loadAccount, pollIntervalMs } from "./account.ts";
import { flushOps, knownRefs, nextOpDueMs, opsWaiting } from "./apply-ops.ts";
import {
  addMessages,
  ensureStandardFolders,
  type IndexFolder,
  indexFolders,
  reconcileFolders,
  remapFolder,
  removeMessages,
  saveCursor,
  updateFlags,
} from "./index-writer.ts";
import { type Progress, reportProgress, setSyncState } from "./status.ts";

export interface WorkerDeps {
  pool: pg.Pool;
  bus: ChangeBus;
  keyring: Keyring;
  log: Log;
}

/** Messages per index write while indexing a folder. */
const INDEX_BATCH = 500;
const MAX_BACKOFF_MS = 60_000;
/** A phone opening INBOX triggers a check of a poll-only backend at most this often. */
const INBOX_CHECK_MIN_MS = 5000;
/** After rejected credentials, try again this rarely (an admin must act). */
const AUTH_RETRY_MS = 5 * 60_000;

export class AccountWorker {
  private session: BackendSession | null = null;
  private account: BackendAccount | null = null;
  private stopWatch: (() => Promise<void>) | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private inboxDirty = true;
  /** Woken while busy: go round again at once instead of sleeping. */
  private poked = false;
  private lastInboxCheck = 0;
  private allDirty = true;
  private needFull = true;
  private lastPoll = 0;
  private failures = 0;
  private running: Promise<void> | null = null;
  /** Resolved after each completed pass (tests and `postern sync` wait on it). */
  private passWaiters: Array<() => void> = [];

  constructor(
    readonly mailboxId: string,
    private readonly deps: WorkerDeps,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running?.catch(() => {});
    await this.disconnect();
  }

  /** A phone queued a change, or someone asked for a sync now. */
  poke(opts: { full?: boolean } = {}): void {
    if (opts.full) {
      this.needFull = true;
      this.allDirty = true;
    }
    this.poked = true;
    this.wake?.();
  }

  /** Resolves when the next full pass (ops applied, folders synced) has finished. */
  nextPass(): Promise<void> {
    return new Promise((resolve) => {
      this.passWaiters.push(resolve);
      this.wake?.();
    });
  }

  /** The open backend session, for on-demand body downloads (null while disconnected). */
  get backend(): BackendSession | null {
    return this.session;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.pass();
        this.failures = 0;
        const waiters = this.passWaiters;
        this.passWaiters = [];
        for (const w of waiters) w();
        // Until the next poll, or the first op held back (a backoff, a POP3 delete's grace) comes due.
        const untilPoll = this.account ? this.pollMs() - (Date.now() - this.lastPoll) : 60_000;
        const untilOp = await nextOpDueMs(this.opsDeps());
        await this.idle(untilOp === null ? untilPoll : Math.min(untilPoll, untilOp + 50));
      } catch (err) {
        await this.failed(err);
      }
    }
  }

  private async pass(): Promise<void> {
    if (!this.session) await this.connect();
    const d = this.opsDeps();
    const session = this.session as BackendSession;
    if (await opsWaiting(d)) await flushOps(d, session);
    const now = Date.now();
    const pollDue = this.account ? now - this.lastPoll >= this.pollMs() : true;
    if (this.needFull || pollDue) {
      // A folderless backend (POP3) lists only INBOX; its other folders
      // (standard ones included) are Postern's own, and their ops no-ops.
      await reconcileFolders(d, await session.listFolders());
      if ((await ensureStandardFolders(d)) > 0) await flushOps(d, session);
      this.allDirty = true;
    }
    if (!this.allDirty && !this.inboxDirty) return;
    const folders = (await indexFolders(d)).filter((f) => f.ref && !f.noSelect);
    // INBOX first: it is what phones look at.
    folders.sort((a, b) => (a.name === "INBOX" ? -1 : b.name === "INBOX" ? 1 : 0));
    const todo = this.allDirty ? folders : folders.filter((f) => f.name === "INBOX");
    const first = this.needFull;
    this.inboxDirty = false;
    this.allDirty = false;
    const total = todo.length;
    let done = 0;
    for (const f of todo) {
      if (this.stopped) return;
      try {
        await this.syncFolder(session, f, first ? { folder: f.name, folders: total, foldersDone: done } : null);
      } catch (err) {
        // Deleted at the backend since the folder list was read: the next
        // reconciliation removes it; the other folders go on.
        if (!(err instanceof StoreError && err.code === "nonexistent")) throw err;
        this.allDirty = true;
      }
      done++;
      // A phone's change waiting behind a long initial sync goes out between folders.
      if (await opsWaiting(d)) await flushOps(d, session);
    }
    if (this.needFull || pollDue) this.lastPoll = now;
    this.needFull = false;
    await setSyncState(this.deps.pool, this.mailboxId, { state: "idle", lastSyncAt: new Date(), error: null });
    if (!this.stopWatch && session.capabilities.push) await this.watchInbox(session, folders);
  }

  private opsDeps() {
    return {
      pool: this.deps.pool,
      bus: this.deps.bus,
      mailboxId: this.mailboxId,
      log: this.deps.log,
      options: this.account?.options ?? {},
    };
  }

  /** The account's poll interval, stretched to the server's LOGIN-DELAY. */
  private pollMs(): number {
    const base = this.account ? pollIntervalMs(this.account) : 60_000;
    return Math.max(base, (this.session?.loginDelaySeconds ?? 0) * 1000);
  }

  private async syncFolder(session: BackendSession, f: IndexFolder, progress: Omit<Progress, "done" | "total"> | null) {
    const d = { pool: this.deps.pool, bus: this.deps.bus, mailboxId: this.mailboxId };
    const ref = f.ref as string;
    let reported = 0;
    const folderless = !session.capabilities.folders;
    // New messages go into the index batch by batch as the backend hands
    // them over (a 10,000-message mailbox is never in memory at once) —
    // except when a changed UIDVALIDITY may force a re-map of everything.
    const stream = !f.cursor || folderless;
    const r: FolderSync = await session.syncFolder(ref, f.cursor, {
      known: folderless ? await knownRefs(this.deps.pool, this.mailboxId) : undefined,
      onMessages: stream ? (batch) => addMessages(d, f.id, batch).then(() => {}) : undefined,
      onProgress: progress
        ? (doneMsgs, totalMsgs) => {
            const t = Date.now();
            if (t - reported < 300 && doneMsgs < totalMsgs) return;
            reported = t;
            void reportProgress(this.deps.pool, this.mailboxId, { ...progress, done: doneMsgs, total: totalMsgs });
          }
        : undefined,
    });
    let added = r.added;
    if (r.reset && f.cursor) {
      this.deps.log.warn({ mailbox: this.mailboxId, folder: f.name }, "backend UIDVALIDITY changed; re-mapping folder");
      added = await remapFolder(d, f.id, r.added);
    }
    if (r.removed.length || r.present) await removeMessages(d, f.id, { refs: r.removed, present: r.present });
    for (let i = 0; i < added.length; i += INDEX_BATCH) await addMessages(d, f.id, added.slice(i, i + INDEX_BATCH));
    if (r.changed.length) await updateFlags(d, f.id, r.changed);
    await saveCursor(d, f.id, r.cursor);
  }

  /** A phone opened INBOX: a backend without push (POP3) is checked now, at most every few seconds. */
  inboxOpened(): void {
    if (this.session?.capabilities.push) return;
    const min = Math.max(INBOX_CHECK_MIN_MS, (this.session?.loginDelaySeconds ?? 0) * 1000);
    if (Date.now() - this.lastInboxCheck < min) return;
    this.lastInboxCheck = Date.now();
    this.inboxDirty = true;
    this.poke();
  }

  private async watchInbox(session: BackendSession, folders: IndexFolder[]): Promise<void> {
    const inbox = folders.find((f) => f.name === "INBOX");
    if (!inbox?.ref) return;
    this.stopWatch = await session.watch(inbox.ref, () => {
      this.inboxDirty = true;
      this.poked = true;
      this.wake?.();
    });
  }

  private async connect(): Promise<void> {
    const account = await loadAccount(this.deps.pool, this.deps.keyring, this.mailboxId);
    if (!account) throw new StoreError("notPossible", "mailbox has no backend to sync with");
    const driver = driverFor(account.kind);
    if (!driver) throw new StoreError("notPossible", `syncing ${account.kind} backends is not available yet`);
    this.account = account;
    if (this.needFull) await setSyncState(this.deps.pool, this.mailboxId, { state: "syncing" });
    this.session = await driver.connect(account);
    this.deps.log.info(
      { mailbox: account.address, backend: `${account.host}:${account.port}` },
      "connected to backend",
    );
  }

  private async disconnect(): Promise<void> {
    const stopWatch = this.stopWatch;
    const session = this.session;
    this.stopWatch = null;
    this.session = null;
    await stopWatch?.().catch(() => {});
    await session?.close().catch(() => {});
  }

  private async failed(err: unknown): Promise<void> {
    const e = err instanceof StoreError ? err : new StoreError("serverBug", (err as Error)?.message ?? String(err));
    this.failures++;
    await this.disconnect();
    this.needFull = true;
    const address = this.account?.address ?? this.mailboxId;
    let wait: number;
    if (e.code === "authFailed") {
      wait = AUTH_RETRY_MS;
      this.deps.log.warn({ mailbox: address, detail: e.detail }, "backend rejected the mailbox's credentials");
      await setSyncState(this.deps.pool, this.mailboxId, {
        state: "needs_attention",
        error: "The mail server rejected the stored password — update it in the portal or with the CLI.",
      }).catch(() => {});
    } else {
      wait = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(this.failures - 1, 6));
      this.deps.log.warn(
        { mailbox: address, code: e.code, err: e.message, detail: e.detail, retryInMs: wait },
        "sync failed",
      );
      const words =
        e.code === "unavailable"
          ? `Cannot reach the mail server (${e.detail ?? e.message}); retrying.`
          : e.code === "notPossible"
            ? e.message
            : `Sync failed: ${e.message}; retrying.`;
      await setSyncState(this.deps.pool, this.mailboxId, { state: "error", error: words }).catch(() => {});
    }
    await this.idle(wait);
  }

  /** Sleep until woken (a poke, IDLE news, stop) or the timeout. */
  private idle(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.poked) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        this.poked = false;
        done();
      };
    });
  }
}
