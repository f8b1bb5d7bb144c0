// Phase a: the first sync of a mailbox whose backend INBOX already holds N
// messages. The gateway is started with the mailbox provisioned, and the
// database is polled every 100 ms from the moment it is spawned: the clock
// runs from its readiness (/readyz) until the mailbox is `idle` with all N
// messages in the index; the first message appearing is recorded too.
// untilIndexed() is that polling, shared with phase c (pop3.ts).
import pg from "pg";
import { memoryOf } from "../imap/memory.ts";
import type { GatewayChild, Postern } from "./postern.ts";

const POLL_MS = 100;

export interface IndexingResult {
  messages: number;
  spawnToReadyMs: number;
  /** Readiness → first message in the index. */
  firstVisibleMs: number;
  /** Readiness → mailbox idle with every message indexed (the headline figure). */
  indexedMs: number;
  /** Spawn → idle, for when the sync starts before /readyz answers. */
  spawnToIndexedMs: number;
  messagesPerSecond: number;
  /** The gateway's VmRSS once indexing finished. */
  rssKb: number;
}

interface Sample {
  state: string;
  lastSyncAt: Date | null;
  lastError: string | null;
  indexed: number;
}

/** performance.now() at the poll that first saw a message in the index, and at the one that saw it all done. */
export interface Indexed {
  firstAt?: number;
  doneAt: number;
}

/**
 * Poll the database every 100 ms until the mailbox is `idle` (after a sync:
 * last_sync_at set) with exactly `messages` messages in its INBOX. Each
 * poll's time is taken before its query. Throws when the sync fails, goes
 * past `messages`, or is not done within `timeoutMs`; `check` runs after
 * every poll and may throw too (a gateway that died).
 */
export async function untilIndexed(
  db: pg.Client,
  opts: {
    mailboxId: string;
    messages: number;
    timeoutMs: number;
    /** Prefix of errors and progress lines ("postern", "postern pop3"). */
    label: string;
    log(line: string): void;
    check?(): void;
  },
): Promise<Indexed> {
  const read = async (): Promise<Sample> => {
    const r = await db.query(
      `SELECT m.sync_state AS state, m.last_sync_at AS "lastSyncAt", m.last_error AS "lastError",
              (SELECT count(*) FROM message x JOIN folder f ON f.id = x.folder_id
               WHERE f.mailbox_id = m.id AND f.name = 'INBOX')::int AS indexed
       FROM mailbox m WHERE m.id = $1`,
      [opts.mailboxId],
    );
    if (!r.rows.length) throw new Error(`${opts.label}: no mailbox ${opts.mailboxId}`);
    return r.rows[0] as Sample;
  };
  const { label, messages } = opts;
  let firstAt: number | undefined;
  let lastLog = performance.now();
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    const polled = performance.now();
    const s = await read();
    opts.check?.();
    if (s.indexed > 0) firstAt ??= polled;
    if (s.state === "needs_attention" || s.state === "error") {
      throw new Error(`${label}: sync failed (${s.state}): ${s.lastError ?? "no reason recorded"}`);
    }
    if (s.state === "idle" && s.lastSyncAt && s.indexed === messages) return { firstAt, doneAt: polled };
    if (s.indexed > messages) throw new Error(`${label}: ${s.indexed} messages indexed, expected ${messages}`);
    if (polled > deadline) {
      throw new Error(`${label}: not indexed in time: ${s.indexed}/${messages} messages, state ${s.state}`);
    }
    if (polled - lastLog > 2000) {
      lastLog = polled;
      opts.log(`${label}: ${s.indexed}/${messages} indexed, state ${s.state}`);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (performance.now() - polled))));
  }
}

export async function measureIndexing(
  postern: Postern,
  opts: { messages: number; log(line: string): void },
): Promise<{ gateway: GatewayChild; result: IndexingResult }> {
  const db = new pg.Client({ connectionString: postern.databaseUrl });
  await db.connect();
  try {
    const gateway = postern.startGateway();
    let failed: Error | null = null;
    gateway.ready.catch((err: Error) => {
      failed = err;
    });
    const { firstAt, doneAt } = await untilIndexed(db, {
      mailboxId: postern.mailboxId,
      messages: opts.messages,
      // Generous: ten times the target rate, plus start-up.
      timeoutMs: 60_000 + opts.messages * 15,
      label: "postern",
      log: opts.log,
      check() {
        if (failed) throw failed;
      },
    });
    await gateway.ready;
    const readyAt = gateway.readyAt!;
    const rssKb = memoryOf([gateway.pid]).rssKb;
    // A tiny mailbox can be done before /readyz first answers.
    const indexedMs = Math.max(doneAt - readyAt, 1);
    return {
      gateway,
      result: {
        messages: opts.messages,
        spawnToReadyMs: readyAt - gateway.spawnedAt,
        firstVisibleMs: (firstAt ?? doneAt) - readyAt,
        indexedMs,
        spawnToIndexedMs: doneAt - gateway.spawnedAt,
        messagesPerSecond: opts.messages / (indexedMs / 1000),
        rssKb,
      },
    };
  } finally {
    await db.end();
  }
}
