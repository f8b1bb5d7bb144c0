// Phase a: the first sync of a mailbox whose backend INBOX already holds N
// messages. The gateway is started with the mailbox provisioned, and the
// database is polled every 100 ms from the moment it is spawned: the clock
// runs from its readiness (/readyz) until the mailbox is `idle` with all N
// messages in the index; the first message appearing is recorded too.
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

export async function measureIndexing(
  postern: Postern,
  opts: { messages: number; log(line: string): void },
): Promise<{ gateway: GatewayChild; result: IndexingResult }> {
  const db = new pg.Client({ connectionString: postern.databaseUrl });
  await db.connect();
  try {
    const read = async (): Promise<Sample> => {
      const r = await db.query(
        `SELECT m.sync_state AS state, m.last_sync_at AS "lastSyncAt", m.last_error AS "lastError",
                (SELECT count(*) FROM message x JOIN folder f ON f.id = x.folder_id
                 WHERE f.mailbox_id = m.id AND f.name = 'INBOX')::int AS indexed
         FROM mailbox m WHERE m.id = $1`,
        [postern.mailboxId],
      );
      return r.rows[0] as Sample;
    };
    const gateway = postern.startGateway();
    let failed: Error | null = null;
    gateway.ready.catch((err: Error) => {
      failed = err;
    });
    let firstAt: number | undefined;
    let doneAt: number | undefined;
    let lastLog = performance.now();
    // Generous: ten times the target rate, plus start-up.
    const deadline = performance.now() + 60_000 + opts.messages * 15;
    for (;;) {
      const polled = performance.now();
      const s = await read();
      if (failed) throw failed;
      if (s.indexed > 0) firstAt ??= polled;
      if (s.state === "needs_attention" || s.state === "error") {
        throw new Error(`postern: sync failed (${s.state}): ${s.lastError ?? "no reason recorded"}`);
      }
      if (s.state === "idle" && s.lastSyncAt && s.indexed === opts.messages) {
        doneAt = polled;
        break;
      }
      if (s.indexed > opts.messages)
        throw new Error(`postern: ${s.indexed} messages indexed, expected ${opts.messages}`);
      if (polled > deadline) {
        throw new Error(`postern: not indexed in time: ${s.indexed}/${opts.messages} messages, state ${s.state}`);
      }
      if (polled - lastLog > 2000) {
        lastLog = polled;
        opts.log(`postern: ${s.indexed}/${opts.messages} indexed, state ${s.state}`);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (performance.now() - polled))));
    }
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
