// The delivery worker: leases due outbox messages, sends each through its
// mailbox's relay, and records the result in the statement right after the
// relay's reply (DESIGN.md "SMTP toward the relay is at-least-once": the
// duplicate window is that one round trip). Saving Sent copies and writing
// bounces run beside it (copies.ts). A submission wakes it at once;
// otherwise it looks every few seconds, also for leases a crashed gateway
// left behind and for copies a crash left owed.
import type { Keyring } from "@postern/db/secrets";
import type pg from "pg";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { StoreFactory } from "../store/factory.ts";
import { type CopyOutcome, MailboxCopies } from "./copies.ts";
import { decide, pendingRecipients, recipientResults } from "./outcome.ts";
import { type LeasedMessage, lease, owedCopies, pruneFinished, recoverExpiredLeases } from "./queue.ts";
import { AttemptRecorder } from "./recorder.ts";
import { loadRelay, type MailboxRelay, RelayPool, type SendResult } from "./relay.ts";
import type { OutboxSchedule } from "./schedule.ts";

/**
 * Messages one gateway holds for sending at once. Each relay's pool caps its
 * connections (relay.ts); the rest wait in that pool's queue, so leasing
 * ahead keeps every connection busy. Refilled when half have been handed to
 * their relay (not when their results are written: that would let the
 * pools run dry while the database is busy), in one statement rather than a
 * lease per message.
 */
const MAX_UNSENT = 64;
/** Sent messages whose results are still being written, at most (beyond it, no new leases). */
const MAX_UNRECORDED = 256;
/** Expired leases (a gateway that died while sending) are looked for this often. */
const RECOVER_MS = 10_000;
/** Sent copies and bounces written at once: each holds two database connections while it runs. */
const COPY_CONCURRENCY = 2;
/** How often the table is searched for copies a crash left owed, and rows older than the retention. */
const SWEEP_MS = 30_000;
const PRUNE_MS = 10 * 60_000;
/** A mailbox's relay settings are re-read after this (a changed relay password takes effect). */
const RELAY_CACHE_MS = 30_000;

export interface OutboxWorkerDeps {
  pool: pg.Pool;
  /** For the recorder's own connection (recorder.ts). */
  databaseUrl: string;
  keyring: Keyring;
  stores: StoreFactory;
  log: Log;
  metrics: Metrics;
  /** This server's name: EHLO to relays, the bounce's Reporting-MTA. */
  host: string;
  schedule: OutboxSchedule;
  /** Where Postern's own mail (the portal's) goes: systemRelay(POSTERN_MAIL_RELAY_URL). */
  systemRelay: MailboxRelay;
}

export class OutboxWorker {
  private readonly relays: RelayPool;
  private readonly copies: MailboxCopies;
  private readonly recorder: AttemptRecorder;
  private readonly relayCache = new Map<string, { at: number; relay: MailboxRelay | null }>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Leased and not yet answered by the relay. */
  private unsent = 0;
  private readonly owedSent = new Set<string>();
  private readonly owedBounces = new Set<string>();
  private copying: Promise<void> | null = null;
  private loop: Promise<void> | null = null;
  private woken = false;
  private wakeUp: (() => void) | null = null;
  private stopped = false;
  private closed = false;
  private lastSweep = 0;
  private lastRecover = 0;
  private lastPrune = Date.now();

  private readonly systemRelay: MailboxRelay;

  constructor(private readonly d: OutboxWorkerDeps) {
    this.systemRelay = d.systemRelay;
    this.relays = new RelayPool({ ehloName: d.host, log: d.log });
    this.recorder = new AttemptRecorder(d.databaseUrl);
    this.copies = new MailboxCopies({ pool: d.pool, stores: d.stores, log: d.log, metrics: d.metrics, host: d.host });
  }

  start(): void {
    if (this.closed) throw new Error("the outbox worker was stopped");
    if (this.loop) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** A message was accepted (with the id when its Sent copy is owed), or something else is due: look now. */
  wake(sentCopyOwed?: string): void {
    if (sentCopyOwed) this.owedSent.add(sentCopyOwed);
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stop leasing; wait for sends under way (their leases would otherwise have to expire). Final. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    this.loop = null;
    await Promise.allSettled([...this.inFlight, this.copying]);
    this.relays.close();
    await this.recorder.close();
    this.closed = true;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      try {
        await this.tick();
      } catch (err) {
        this.d.log.warn({ err: (err as Error).message }, "outbox worker pass failed");
      }
      if (this.stopped) break;
      if (!this.woken) await this.sleep(this.d.schedule.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    if (now - this.lastRecover > RECOVER_MS) {
      this.lastRecover = now;
      const recovered = await recoverExpiredLeases(this.d.pool);
      if (recovered)
        this.d.log.warn({ messages: recovered }, "outbox leases expired (a gateway stopped while sending); requeued");
    }
    const free = MAX_UNSENT - this.unsent;
    if (free >= MAX_UNSENT / 2 && this.inFlight.size < MAX_UNRECORDED) {
      const due = await lease(this.d.pool, {
        limit: free,
        leaseMs: this.d.schedule.leaseMs,
        retryPeriodMs: this.d.schedule.retryPeriodMs,
      });
      this.unsent += due.length;
      for (const m of due) this.track(this.deliver(m));
    }
    if (now - this.lastSweep > SWEEP_MS) {
      this.lastSweep = now;
      // Older than a pass of the fast path, so only what a crash (or a missing Sent folder) left.
      const owed = await owedCopies(this.d.pool, 60_000);
      for (const id of owed.sent) this.owedSent.add(id);
      for (const id of owed.bounces) this.owedBounces.add(id);
    }
    this.drainCopies();
    if (now - this.lastPrune > PRUNE_MS) {
      this.lastPrune = now;
      const pruned = await pruneFinished(this.d.pool, this.d.schedule.retentionMs);
      if (pruned) this.d.log.info({ messages: pruned }, "finished outbox messages past retention deleted");
    }
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    p.finally(() => this.inFlight.delete(p));
  }

  /** A leased message got its relay's answer (or none): half the slots free, more may be due. */
  private answered(): void {
    this.unsent--;
    if (!this.stopped && this.unsent <= MAX_UNSENT / 2) this.wake();
  }

  private async deliver(m: LeasedMessage & { raw: Buffer }): Promise<void> {
    const log = this.d.log;
    let answered = false;
    const answer = () => {
      if (answered) return;
      answered = true;
      this.answered();
    };
    try {
      const relay = await this.relayFor(m.mailboxId);
      const pending = pendingRecipients(m);
      let result: SendResult;
      if (!relay?.target) {
        // Deferred, not bounced: an admin can still configure the relay within the retry period.
        result = {
          ok: false,
          stage: "connection",
          code: null,
          reply: relay?.unavailable ?? "the mailbox is gone",
          rejected: [],
        };
      } else {
        const stop = this.d.metrics.outboxRelaySeconds.startTimer();
        result = await this.relays.send(relay.target, { from: m.envelopeFrom, to: pending }, m.raw);
        stop();
      }
      answer();
      const now = new Date();
      const fresh = recipientResults(pending, result, now);
      if (relay?.target && (result.ok || result.stage !== "connection"))
        for (const s of Object.values(fresh)) s.remote = relay.target.host;
      const rec = decide(m, fresh, result, this.d.schedule, now);
      const recorded = await this.recorder.record(m.id, rec);
      const outcome = rec.state === "queued" ? "deferred" : rec.state;
      this.d.metrics.outboxAttempts.inc({ outcome });
      for (const s of Object.values(rec.recipientStatus)) this.d.metrics.outboxRecipients.inc({ state: s.state });
      const entry = {
        outbox: m.id,
        mailbox: m.mailboxId,
        relay: relay?.target?.host,
        attempt: m.attempts,
        outcome,
        recipients: pending.length,
        error: rec.lastError ?? undefined,
        next: rec.nextAttemptAt?.toISOString(),
      };
      if (!recorded) log.warn(entry, "outbox lease was lost while sending; the message may go out twice");
      else if (rec.state === "queued" || rec.state === "failed" || rec.state === "bounced")
        log.warn(entry, "outbox delivery not done");
      else log.info(entry, "outbox message relayed");
      if (rec.bounceOwed) {
        this.owedBounces.add(m.id);
        this.drainCopies();
      }
    } catch (err) {
      // The row stays leased; when the lease ends it is tried again (recoverExpiredLeases).
      log.warn({ outbox: m.id, err: (err as Error).message }, "outbox delivery attempt failed");
    } finally {
      answer();
    }
  }

  private async relayFor(mailboxId: string | null): Promise<MailboxRelay | null> {
    if (mailboxId === null) return this.systemRelay;
    const hit = this.relayCache.get(mailboxId);
    if (hit && Date.now() - hit.at < RELAY_CACHE_MS) return hit.relay;
    const relay = await loadRelay(this.d.pool, this.d.keyring, mailboxId);
    this.relayCache.set(mailboxId, { at: Date.now(), relay });
    return relay;
  }

  /** Write owed Sent copies and bounces, a few at a time, beside the deliveries. */
  private drainCopies(): void {
    if (this.copying || this.stopped) return;
    this.copying = (async () => {
      while (!this.stopped && (this.owedSent.size || this.owedBounces.size)) {
        const batch: Array<Promise<unknown>> = [];
        for (const [set, write] of [
          [this.owedBounces, (id: string) => this.copies.writeBounce(id)],
          [this.owedSent, (id: string) => this.copies.saveSentCopy(id)],
        ] as const) {
          for (const id of set) {
            if (batch.length >= COPY_CONCURRENCY) break;
            set.delete(id);
            batch.push(this.copy(id, write));
          }
        }
        await Promise.all(batch);
      }
    })().finally(() => {
      this.copying = null;
    });
  }

  private async copy(id: string, write: (id: string) => Promise<CopyOutcome>): Promise<void> {
    try {
      await write(id);
    } catch (err) {
      // Left owed in the table: the next sweep tries again.
      this.d.log.warn({ outbox: id, err: (err as Error).message }, "could not write to the sender's mailbox");
    }
  }
}
