// Writes relay results as they arrive. A result is written by the first
// statement issued after the relay's reply; results that arrive while a
// statement is under way go together in the next one (one commit for all).
//
// These commits are asynchronous (synchronous_commit = off, on this
// recorder's own connection only): PostgreSQL answers before it has flushed
// the WAL to disk, and flushes it within a fraction of a second
// (wal_writer_delay, 200 ms by default). A gateway crash loses nothing — the
// commit is PostgreSQL's. Only a crash of PostgreSQL itself can forget the
// marks of that last fraction of a second; those messages then go out again
// (at-least-once, as for a crash during the relay's round trip). In return
// relaying costs no disk flush per message, which on a busy machine is a
// large part of its cost. Accepting a message (outbox/queue.ts enqueue,
// before `250`) stays fully synchronous: that is the promise to the phone.
import pg from "pg";
import { type AttemptRecord, recordAttempts } from "./queue.ts";

/** Results per statement at most: a bounded statement under any backlog. */
const MAX_BATCH = 200;

interface Waiting {
  id: string;
  rec: AttemptRecord;
  resolve(recorded: boolean): void;
  reject(err: Error): void;
}

export class AttemptRecorder {
  private waiting: Waiting[] = [];
  private writing = false;
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    // One statement at a time is ever in flight; the second connection is for a reconnect.
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2, options: "-c synchronous_commit=off" });
    this.pool.on("error", () => {});
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }

  /** Resolves once written: false when the lease had been lost (the row was recovered meanwhile). */
  record(id: string, rec: AttemptRecord): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ id, rec, resolve, reject });
      if (!this.writing) {
        // After this turn of the event loop: replies read from other relay connections in the
        // same turn join this statement.
        this.writing = true;
        setImmediate(() => void this.write());
      }
    });
  }

  private async write(): Promise<void> {
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      try {
        const done = await recordAttempts(this.pool, batch);
        for (const w of batch) w.resolve(done.has(w.id));
      } catch (err) {
        for (const w of batch) w.reject(err as Error);
      }
    }
    this.writing = false;
  }
}
