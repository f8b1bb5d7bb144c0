// Thin helpers over node-postgres for the index's hot paths.
import type pg from "pg";

export type Queryable = pg.Pool | pg.PoolClient;

/**
 * PostgreSQL's answers that mean "run the transaction again": a deadlock
 * (40P01: two sessions' commands locked folder rows in opposite orders — a
 * RENAME updating a folder and its children while a COPY locks them by id)
 * and a serialization failure (40001). The loser is rolled back whole.
 */
const RETRYABLE = new Set(["40P01", "40001"]);
/** Attempts in all before the error reaches the command (and the phone gets NO). */
const TX_ATTEMPTS = 4;

/**
 * `fn` in a transaction, run again from the start when PostgreSQL says to
 * (RETRYABLE): `fn` must only touch the database (or do what is harmless
 * twice, like waking the change bus).
 */
export async function withTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      if (attempt >= TX_ATTEMPTS || !RETRYABLE.has((err as { code?: string }).code ?? "")) throw err;
    } finally {
      client.release();
    }
    // A few milliseconds, varied, so the two sessions do not meet again at once.
    await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * attempt));
  }
}

/** Rows as arrays: node-postgres builds no objects per row (FETCH of 10,000 messages). */
export async function rows(db: Queryable, text: string, values: unknown[] = []): Promise<unknown[][]> {
  const r = await db.query({ text, values, rowMode: "array" });
  return r.rows as unknown[][];
}

/** A PostgreSQL bigint (MODSEQ) as a JS number: safe below 2^53, which a MODSEQ never reaches. */
export const int = (v: unknown): number => (typeof v === "number" ? v : Number(v));

export function toIntArray(uids: ArrayLike<number>): number[] {
  return Array.from(uids);
}
