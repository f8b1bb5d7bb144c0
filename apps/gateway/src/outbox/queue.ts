// The outbox table's statements, in one place: enqueue (before `250`),
// lease (FOR UPDATE SKIP LOCKED, so gateways share the work without
// blocking each other), record an attempt (the statement right after the
// relay's reply), recover leases a crashed gateway left, and retention.
import { createHash } from "node:crypto";
import type pg from "pg";
import { withTx } from "../store/sql.ts";

export type RecipientState = "sent" | "failed" | "deferred";

export interface RecipientStatus {
  state: RecipientState;
  /** The relay's reply (or our words for a connection failure). */
  reply: string;
  /** RFC 3463 status: the relay's enhanced code, or one derived from its reply code. */
  status: string;
  at: string;
  /** The relay that answered (DSN Remote-MTA). */
  remote?: string;
  /** A failed recipient already named in a bounce. */
  reported?: boolean;
}

export interface NewSubmission {
  id: string;
  mailboxId: string;
  deviceId: string;
  envelopeFrom: string;
  recipients: string[];
  relayed: { raw: Buffer; headerSize: number };
  /** null when the relay saves sent mail itself (no Sent copy is owed). */
  sentCopy: { raw: Buffer; headerSize: number } | null;
  retryUntil: Date;
}

export interface LeasedMessage {
  id: string;
  /** null: Postern's own mail (packages/db provisioning/system-mail.ts). */
  mailboxId: string | null;
  envelopeFrom: string;
  recipients: string[];
  blobId: string;
  size: number;
  /** Including this attempt. */
  attempts: number;
  recipientStatus: Record<string, RecipientStatus>;
  retryUntil: Date;
  createdAt: Date;
}

export interface AttemptRecord {
  state: "queued" | "sent" | "failed" | "bounced";
  nextAttemptAt: Date | null;
  recipientStatus: Record<string, RecipientStatus>;
  relayResponse: string | null;
  lastError: string | null;
  bounceOwed: boolean;
}

function blobId(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex");
}

async function putBlob(c: pg.PoolClient, blob: { raw: Buffer; headerSize: number }): Promise<string> {
  const id = blobId(blob.raw);
  await c.query(
    `INSERT INTO blob (id, size, header_size, data) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET last_used_at = now()`,
    [id, blob.raw.length, blob.headerSize, blob.raw],
  );
  return id;
}

/** Blob(s) and row in one transaction: when this returns, the message survives a crash. */
export async function enqueue(pool: pg.Pool, s: NewSubmission): Promise<void> {
  await withTx(pool, async (c) => {
    const relayed = await putBlob(c, s.relayed);
    const sent = s.sentCopy ? await putBlob(c, s.sentCopy) : null;
    await c.query(
      `INSERT INTO outbound_message (id, mailbox_id, device_id, envelope_from, recipients, blob_id, size,
                                     sent_blob_id, sent_copy_saved, retry_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        s.id,
        s.mailboxId,
        s.deviceId,
        s.envelopeFrom,
        s.recipients,
        relayed,
        s.relayed.raw.length,
        sent,
        // Nothing to save when the relay files sent mail itself.
        sent === null,
        s.retryUntil,
      ],
    );
  });
}

/** Is the device still active, and how many messages has it submitted in the last hour? */
export async function deviceSendState(
  pool: pg.Pool,
  mailboxId: string,
  deviceId: string,
): Promise<{ revoked: boolean; lastHour: number }> {
  const r = await pool.query(
    `SELECT d.revoked_at IS NOT NULL AS revoked,
            (SELECT count(*) FROM outbound_message o
              WHERE o.mailbox_id = $1 AND o.device_id = $2 AND o.created_at > now() - interval '1 hour')::int AS n
     FROM device d WHERE d.id = $2`,
    [mailboxId, deviceId],
  );
  return r.rowCount ? { revoked: r.rows[0].revoked, lastHour: r.rows[0].n } : { revoked: true, lastHour: 0 };
}

/** Take up to `limit` due messages for `leaseMs`, with their bodies; the attempt counts from here. */
export async function lease(
  pool: pg.Pool,
  opts: { limit: number; leaseMs: number; retryPeriodMs: number },
): Promise<Array<LeasedMessage & { raw: Buffer }>> {
  const r = await pool.query(
    `WITH due AS (
       SELECT id FROM outbound_message
        WHERE state = 'queued' AND next_attempt_at <= now()
        ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
     ), taken AS (
       UPDATE outbound_message o
          SET state = 'sending', lease_until = now() + make_interval(secs => $2), attempts = o.attempts + 1
         FROM due WHERE o.id = due.id
       RETURNING o.id, o.mailbox_id, o.envelope_from, o.recipients, o.blob_id, o.size, o.attempts,
                 o.recipient_status, o.created_at,
                 coalesce(o.retry_until, o.created_at + make_interval(secs => $3)) AS retry_until
     )
     SELECT * FROM taken`,
    [opts.limit, opts.leaseMs / 1000, opts.retryPeriodMs / 1000],
  );
  if (!r.rowCount) return [];
  const bodies = await readBlobs(pool, [...new Set(r.rows.map((row) => row.blob_id as string))]);
  return r.rows.map((row) => ({
    id: row.id,
    mailboxId: row.mailbox_id,
    envelopeFrom: row.envelope_from,
    recipients: row.recipients,
    blobId: row.blob_id,
    size: row.size,
    attempts: row.attempts,
    recipientStatus: row.recipient_status ?? {},
    retryUntil: row.retry_until,
    createdAt: row.created_at,
    raw: bodies.get(row.blob_id) as Buffer,
  }));
}

/**
 * Blobs by id, in binary result format: the bytes as stored, not PostgreSQL's
 * hex text (twice the size, decoded by the client) — relaying reads every body.
 */
async function readBlobs(pool: pg.Pool, ids: string[]): Promise<Map<string, Buffer>> {
  const r = await pool.query({
    text: "SELECT id, data FROM blob WHERE id = ANY($1::text[])",
    values: [ids],
    binary: true,
    // pg has no binary parser for bytea (it would decode the bytes as UTF-8): take them as they come.
    types: { getTypeParser: () => (value: Buffer) => value },
  } as pg.QueryConfig);
  const out = new Map<string, Buffer>();
  for (const row of r.rows) out.set((row.id as Buffer).toString("utf8"), row.data as Buffer);
  for (const id of ids) if (!out.has(id)) throw new Error(`outbox blob ${id} is missing`);
  return out;
}

export async function readBlob(pool: pg.Pool, id: string): Promise<Buffer> {
  const body = (await readBlobs(pool, [id])).get(id);
  return body as Buffer;
}

/**
 * Record attempts, several in one statement (outbox/recorder.ts batches the
 * results that arrive while a write is under way). The ids whose lease was
 * still theirs; a missing one was recovered meanwhile (lease expired).
 */
export async function recordAttempts(
  pool: pg.Pool,
  items: Array<{ id: string; rec: AttemptRecord }>,
): Promise<Set<string>> {
  const rows = items.map(({ id, rec }) => ({
    id,
    state: rec.state,
    next_attempt_at: rec.nextAttemptAt?.toISOString() ?? null,
    recipient_status: rec.recipientStatus,
    relay_response: rec.relayResponse,
    last_error: rec.lastError,
    bounce_owed: rec.bounceOwed,
  }));
  // Named: each connection parses and plans it once, not for every message relayed.
  const r = await pool.query({
    name: "postern-outbox-record",
    text: `UPDATE outbound_message o
        SET state = v.state::"OutboundState", lease_until = NULL,
            next_attempt_at = coalesce(v.next_attempt_at, o.next_attempt_at),
            recipient_status = o.recipient_status || v.recipient_status,
            relay_response = coalesce(v.relay_response, o.relay_response),
            last_error = v.last_error,
            sent_at = CASE WHEN v.state = 'sent' THEN now() ELSE o.sent_at END,
            bounce_pending = o.bounce_pending OR v.bounce_owed
       FROM jsonb_to_recordset($1::jsonb) AS v(id uuid, state text, next_attempt_at timestamptz,
              recipient_status jsonb, relay_response text, last_error text, bounce_owed boolean)
      WHERE o.id = v.id AND o.state = 'sending'
      RETURNING o.id`,
    values: [JSON.stringify(rows)],
  });
  return new Set(r.rows.map((row) => row.id as string));
}

/** Messages left `sending` by a gateway that died (or hung) go back in the queue. */
export async function recoverExpiredLeases(pool: pg.Pool): Promise<number> {
  const r = await pool.query(
    "UPDATE outbound_message SET state = 'queued', lease_until = NULL WHERE state = 'sending' AND lease_until < now()",
  );
  return r.rowCount ?? 0;
}

/** Rows owing a Sent copy or a bounce that nobody is working on (crash leftovers), oldest first. */
export async function owedCopies(pool: pg.Pool, olderThanMs: number): Promise<{ sent: string[]; bounces: string[] }> {
  const r = await pool.query(
    `SELECT id, NOT sent_copy_saved AS sent, bounce_pending AS bounce FROM outbound_message
      WHERE (NOT sent_copy_saved OR bounce_pending) AND created_at < now() - make_interval(secs => $1)
      ORDER BY created_at LIMIT 100`,
    [olderThanMs / 1000],
  );
  return {
    sent: r.rows.filter((row) => row.sent).map((row) => row.id),
    bounces: r.rows.filter((row) => row.bounce).map((row) => row.id),
  };
}

/**
 * Finished messages older than the retention are deleted, and then their
 * blobs unless a message in a folder (the Sent copy) or another outbox row
 * still refers to them.
 */
export async function pruneFinished(pool: pg.Pool, retentionMs: number): Promise<number> {
  return withTx(pool, async (c) => {
    const r = await c.query(
      `DELETE FROM outbound_message
        WHERE state IN ('sent', 'failed', 'bounced') AND sent_copy_saved AND NOT bounce_pending
          AND coalesce(sent_at, created_at) < now() - make_interval(secs => $1)
        RETURNING blob_id, sent_blob_id`,
      [retentionMs / 1000],
    );
    const ids = [...new Set(r.rows.flatMap((row) => [row.blob_id, row.sent_blob_id]).filter(Boolean))];
    if (ids.length) {
      await c.query(
        `DELETE FROM blob b WHERE b.id = ANY($1::text[])
           AND NOT EXISTS (SELECT 1 FROM message m WHERE m.blob_id = b.id)
           AND NOT EXISTS (SELECT 1 FROM outbound_message o WHERE o.blob_id = b.id OR o.sent_blob_id = b.id)`,
        [ids],
      );
    }
    return r.rowCount ?? 0;
  });
}
