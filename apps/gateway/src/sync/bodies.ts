// Message bodies of backend mail: fetched on first demand and kept in the
// blob store as a bounded cache (the backend still has them); evicted least
// recently used first, keeping the header block in the row so phones can
// still list the message without a trip to the backend.
import { createHash } from "node:crypto";
import { analyzeMessage, StoreError } from "@postern/protocol";
import type pg from "pg";
import type { BackendSession } from "../backends/types.ts";

export async function downloadBody(
  pool: pg.Pool,
  session: BackendSession | null,
  folderId: number,
  uid: number,
): Promise<Buffer> {
  const r = await pool.query(
    `SELECT m.backend_ref, f.backend_ref AS folder_ref, b.data FROM message m JOIN folder f ON f.id = m.folder_id
     LEFT JOIN blob b ON b.id = m.blob_id WHERE m.folder_id = $1 AND m.uid = $2`,
    [folderId, uid],
  );
  if (!r.rowCount) throw new StoreError("expungeIssued", "Message was expunged");
  const row = r.rows[0];
  if (row.data) return row.data as Buffer;
  if (!row.backend_ref || !row.folder_ref)
    throw new StoreError("unavailable", "Message body is not available right now");
  if (!session) throw new StoreError("unavailable", "The mail server cannot be reached right now; try again shortly");
  const raw = await session.fetchRaw(row.folder_ref, row.backend_ref);
  const id = createHash("sha256").update(raw).digest("hex");
  const headerSize = analyzeMessage(raw).headerSize;
  await pool.query(
    `INSERT INTO blob (id, size, header_size, data) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET last_used_at = now()`,
    [id, raw.length, headerSize, raw],
  );
  await pool.query("UPDATE message SET blob_id = $3, header = NULL WHERE folder_id = $1 AND uid = $2", [
    folderId,
    uid,
    id,
  ]);
  return raw;
}

/**
 * Trim cached bodies of backend mail to `maxBytes`, oldest first. Bodies of
 * mail only Postern holds (hosted mail, POP3 filing, drafts not yet
 * uploaded, the outbox) are never touched.
 */
export async function evictBodies(pool: pg.Pool, maxBytes: number): Promise<number> {
  const r = await pool.query(
    `WITH cached AS (
       SELECT b.id, b.size, b.last_used_at FROM blob b
       WHERE EXISTS (SELECT 1 FROM message m WHERE m.blob_id = b.id)
         AND NOT EXISTS (SELECT 1 FROM message m WHERE m.blob_id = b.id AND m.backend_ref IS NULL)
         AND NOT EXISTS (SELECT 1 FROM message m JOIN folder f ON f.id = m.folder_id WHERE m.blob_id = b.id AND f.backend_ref IS NULL)
         AND NOT EXISTS (SELECT 1 FROM outbound_message o WHERE o.blob_id = b.id)
         -- A POP3 server may delete its copy at any time: those bodies are Postern's to keep.
         AND NOT EXISTS (SELECT 1 FROM message m JOIN folder f ON f.id = m.folder_id JOIN mailbox mb ON mb.id = f.mailbox_id
                         JOIN backend be ON be.id = mb.backend_id WHERE m.blob_id = b.id AND be.kind = 'pop3')),
     ranked AS (SELECT id, sum(size) OVER (ORDER BY last_used_at DESC) AS running FROM cached)
     SELECT id FROM ranked WHERE running > $1`,
    [maxBytes],
  );
  const ids = r.rows.map((x) => x.id as string);
  if (!ids.length) return 0;
  await pool.query(
    `UPDATE message m SET header = substring(b.data from 1 for b.header_size), blob_id = NULL
     FROM blob b WHERE m.blob_id = b.id AND b.id = ANY($1::text[])`,
    [ids],
  );
  await pool.query(
    "DELETE FROM blob b WHERE b.id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM message m WHERE m.blob_id = b.id)",
    [ids],
  );
  return ids.length;
}
