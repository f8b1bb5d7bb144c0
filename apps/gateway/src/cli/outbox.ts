// `postern outbox list` and `postern outbox retry ID`: what phones sent and
// what became of it, and a way to send a deferred or failed message again
// now (a running gateway's worker picks it up within its poll interval).
import { notFound } from "@postern/db/provisioning";
import { headerValues } from "@postern/protocol";
import pg from "pg";
import { loadConfig } from "../config.ts";
import { scheduleWith } from "../outbox/schedule.ts";
import type { CommandDef } from "./commands.ts";
import { type CliContext, table } from "./context.ts";
import { UsageError } from "./errors.ts";

const STATES = ["queued", "sending", "sent", "failed", "bounced"] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function withPool<T>(ctx: CliContext, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: ctx.db.url, max: 2 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

interface RecipientStatus {
  state: string;
  reply: string;
  status: string;
}

function summary(recipients: string[], statuses: Record<string, RecipientStatus>): string {
  const n = (s: string) => recipients.filter((r) => statuses[r]?.state === s).length;
  const parts = [`${recipients.length} rcpt`];
  for (const s of ["sent", "failed", "deferred"]) if (n(s)) parts.push(`${n(s)} ${s}`);
  return parts.join(", ");
}

export const OUTBOX_COMMANDS: CommandDef[] = [
  {
    name: "outbox list",
    summary: "List submitted messages and their delivery state, newest first",
    options: {
      mailbox: { type: "string", help: "only this mailbox's messages (its address)" },
      state: { type: "string", help: STATES.join("|") },
      limit: { type: "string", help: "at most this many (default 50)" },
    },
    async run(ctx, o) {
      const state = o.state === undefined ? null : String(o.state);
      if (state !== null && !STATES.includes(state as (typeof STATES)[number]))
        throw new UsageError(`--state must be one of ${STATES.join(", ")}, got "${state}"`);
      const limit = o.limit === undefined ? 50 : Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError("--limit must be 1–10000");
      const mailbox = o.mailbox === undefined ? null : String(o.mailbox).trim().toLowerCase();
      const rows = await withPool(ctx, async (pool) => {
        if (mailbox) {
          const m = await pool.query("SELECT 1 FROM mailbox WHERE address = $1", [mailbox]);
          if (!m.rowCount) throw notFound(`no mailbox ${mailbox}`);
        }
        const r = await pool.query(
          `SELECT o.id, m.address AS mailbox, o.envelope_from, o.recipients, o.recipient_status, o.state, o.attempts,
                  o.size, o.created_at, o.next_attempt_at, o.sent_at, o.last_error, o.relay_response,
                  o.sent_copy_saved, o.bounce_pending,
                  (SELECT substring(b.data from 1 for b.header_size) FROM blob b WHERE b.id = o.blob_id) AS header
             FROM outbound_message o LEFT JOIN mailbox m ON m.id = o.mailbox_id
            WHERE ($1::text IS NULL OR m.address = $1) AND ($2::text IS NULL OR o.state::text = $2)
            ORDER BY o.created_at DESC LIMIT $3`,
          [mailbox, state, limit],
        );
        return r.rows;
      });
      const value = rows.map((r) => ({
        id: r.id,
        mailbox: r.mailbox,
        from: r.envelope_from,
        subject: headerValues(r.header, "subject")[0]?.trim() ?? null,
        state: r.state,
        attempts: r.attempts,
        size: r.size,
        recipients: (r.recipients as string[]).map((rc) => ({ address: rc, ...(r.recipient_status?.[rc] ?? {}) })),
        createdAt: r.created_at,
        nextAttemptAt: r.state === "queued" ? r.next_attempt_at : null,
        sentAt: r.sent_at,
        lastError: r.last_error,
        relayResponse: r.relay_response,
        sentCopySaved: r.sent_copy_saved,
        bouncePending: r.bounce_pending,
      }));
      ctx.out(value, () =>
        table(
          rows.map((r) => ({
            id: r.id,
            // No mailbox: Postern's own mail (the portal's verification, reset and invitation mail).
            mailbox: r.mailbox ?? "(Postern's own mail)",
            state: r.state,
            tries: r.attempts,
            recipients: summary(r.recipients, r.recipient_status ?? {}),
            created: r.created_at,
            next: r.state === "queued" ? r.next_attempt_at : null,
            error: r.last_error ? String(r.last_error).slice(0, 60) : null,
          })),
          ["id", "mailbox", "state", "tries", "recipients", "created", "next", "error"],
        ),
      );
    },
  },
  {
    name: "outbox retry",
    summary: "Try a queued, failed or bounced message again now (recipients it reached are not sent to twice)",
    positionals: ["ID"],
    options: {},
    async run(ctx, _o, positionals) {
      const id = positionals[0];
      if (!id || positionals.length > 1) throw new UsageError("usage: postern outbox retry ID");
      if (!UUID.test(id)) throw new UsageError(`"${id}" is not an outbox id (see postern outbox list)`);
      // A retried message gets a fresh retry period, as if it had been accepted now.
      const periodSeconds = scheduleWith(loadConfig().outboxSchedule).retryPeriodMs / 1000;
      const row = await withPool(ctx, async (pool) => {
        const r = await pool.query(
          `UPDATE outbound_message o
              SET state = 'queued', next_attempt_at = now(), lease_until = NULL, last_error = NULL,
                  retry_until = now() + make_interval(secs => $2),
                  recipient_status = coalesce((SELECT jsonb_object_agg(k, v) FROM jsonb_each(o.recipient_status) AS e(k, v)
                                                WHERE v->>'state' = 'sent'), '{}'::jsonb)
            WHERE o.id = $1 AND o.state <> 'sending'
              AND EXISTS (SELECT 1 FROM unnest(o.recipients) AS r(a) WHERE coalesce(o.recipient_status->a->>'state', '') <> 'sent')
            RETURNING o.id, o.state, o.recipients`,
          [id, periodSeconds],
        );
        if (r.rowCount) return r.rows[0];
        const now = await pool.query("SELECT state FROM outbound_message WHERE id = $1", [id]);
        if (!now.rowCount) throw notFound(`no outbox message ${id}`);
        if (now.rows[0].state === "sending") throw new UsageError(`${id} is being sent right now`);
        throw new UsageError(`${id} was already delivered to every recipient`);
      });
      ctx.out({ id: row.id, state: row.state }, () => `${row.id} queued; it will be sent within a few seconds`);
    },
  },
];
