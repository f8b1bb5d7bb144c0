// Thin helpers over node-postgres for the index's hot paths.
import type pg from "pg";

export type Queryable = pg.Pool | pg.PoolClient;

export async function withTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
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
