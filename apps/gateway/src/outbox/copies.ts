// What the outbox writes into the sender's own mailbox, through the same
// MailStore phones use: the Sent copy of every accepted message, and the
// bounce (DSN) when delivery failed. For a mailbox on an IMAP backend the
// store queues an APPEND to the backend; hosted and POP3 mailboxes keep the
// copy in Postern (POP3 has no folders to append to: the store treats it as
// folderless).
//
// Each write runs under a transaction-scoped advisory lock on the outbox
// row (so two gateways never write the same copy) and is marked done in
// that transaction after the append committed: a crash in between writes
// it again — a duplicate at worst, never a bounce lost.
import { headerValues } from "@postern/protocol";
import type pg from "pg";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { StoreFactory } from "../store/factory.ts";
import type { PgMailStore } from "../store/pg-store.ts";
import { buildBounce, type FailedRecipient } from "./dsn.ts";
import { type RecipientStatus, readBlob } from "./queue.ts";

export type CopyOutcome = "done" | "busy" | "nothing" | "later";

interface Deps {
  pool: pg.Pool;
  stores: StoreFactory;
  log: Log;
  metrics: Metrics;
  /** This server's name, for the bounce. */
  host: string;
}

const SENT = "\\Sent";

export class MailboxCopies {
  constructor(private readonly d: Deps) {}

  /** Save the Sent copy of outbox message `id`, unless it is saved or nobody needs it. */
  saveSentCopy(id: string): Promise<CopyOutcome> {
    return this.locked(`sent:${id}`, async (c) => {
      const r = await c.query(
        `SELECT o.mailbox_id, coalesce(o.sent_blob_id, o.blob_id) AS blob_id, o.sent_copy_saved, o.created_at, b.kind
           FROM outbound_message o JOIN mailbox m ON m.id = o.mailbox_id JOIN backend b ON b.id = m.backend_id
          WHERE o.id = $1`,
        [id],
      );
      const row = r.rows[0];
      if (!row || row.sent_copy_saved) return "nothing";
      const store = this.storeFor(row.mailbox_id, row.kind);
      const folder = await this.sentFolder(c, store, row.mailbox_id, row.kind);
      // An IMAP mailbox whose first sync has not found its Sent folder yet: try again later.
      if (!folder) return "later";
      const raw = await readBlob(this.d.pool, row.blob_id);
      // \Seen: the sender has read what they wrote.
      await store.append(folder, raw, { flags: ["\\Seen"], internalDate: row.created_at });
      await c.query("UPDATE outbound_message SET sent_copy_saved = true, sent_blob_id = NULL WHERE id = $1", [id]);
      this.d.metrics.outboxWrites.inc({ kind: "sent_copy" });
      this.d.log.info({ outbox: id, mailbox: row.mailbox_id, folder }, "sent copy saved");
      return "done";
    });
  }

  /** Put the bounce owed for outbox message `id` into the sender's INBOX (unseen, so it shows as new). */
  writeBounce(id: string): Promise<CopyOutcome> {
    return this.locked(`bounce:${id}`, async (c) => {
      const r = await c.query(
        `SELECT o.mailbox_id, o.bounce_pending, o.recipients, o.recipient_status, o.created_at, m.address, b.kind,
                substring(bl.data from 1 for bl.header_size) AS header
           FROM outbound_message o LEFT JOIN mailbox m ON m.id = o.mailbox_id LEFT JOIN backend b ON b.id = m.backend_id
           JOIN blob bl ON bl.id = o.blob_id
          WHERE o.id = $1`,
        [id],
      );
      const row = r.rows[0];
      if (!row?.bounce_pending) return "nothing";
      const statuses = (row.recipient_status ?? {}) as Record<string, RecipientStatus>;
      const failed = (row.recipients as string[]).filter(
        (rc) => statuses[rc]?.state === "failed" && !statuses[rc].reported,
      );
      if (failed.length && row.mailbox_id === null) {
        // Postern's own mail (the portal's): no INBOX to bounce to, so the operator hears of it.
        this.d.log.warn(
          {
            outbox: id,
            failed: failed.map((rc) => ({ recipient: rc, status: statuses[rc].status, reply: statuses[rc].reply })),
          },
          "Postern's own mail could not be delivered",
        );
      } else if (failed.length) {
        const header: Buffer = row.header;
        const recipients: FailedRecipient[] = failed.map((rc) => ({
          recipient: rc,
          status: statuses[rc].status,
          reply: statuses[rc].reply,
          remoteMta: statuses[rc].remote,
          lastAttempt: new Date(statuses[rc].at),
        }));
        const dsn = buildBounce({
          host: this.d.host,
          queueId: id,
          to: row.address,
          arrival: row.created_at,
          subject: headerValues(header, "subject")[0]?.trim() ?? null,
          originalMessageId: headerValues(header, "message-id")[0]?.trim() ?? null,
          originalHeader: header,
          recipients,
          expired: recipients.some((x) => x.status === "5.4.7"),
          now: new Date(),
        });
        await this.storeFor(row.mailbox_id, row.kind).append("INBOX", dsn, { flags: [] });
        this.d.metrics.outboxWrites.inc({ kind: "bounce" });
        this.d.log.info(
          { outbox: id, mailbox: row.mailbox_id, recipients: failed.length },
          "bounce delivered to INBOX",
        );
      }
      const reported = Object.fromEntries(failed.map((rc) => [rc, { ...statuses[rc], reported: true }]));
      await c.query(
        "UPDATE outbound_message SET bounce_pending = false, recipient_status = recipient_status || $2::jsonb WHERE id = $1",
        [id, JSON.stringify(reported)],
      );
      return "done";
    });
  }

  private storeFor(mailboxId: string, kind: string): PgMailStore {
    // For POP3 the store keeps appends in Postern (a folderless backend takes no uploads).
    return this.d.stores.forMailbox(mailboxId, kind);
  }

  private async sentFolder(
    c: pg.PoolClient,
    store: PgMailStore,
    mailboxId: string,
    kind: string,
  ): Promise<string | null> {
    const r = await c.query(
      "SELECT name FROM folder WHERE mailbox_id = $1 AND special_use = $2 AND NOT no_select ORDER BY id LIMIT 1",
      [mailboxId, SENT],
    );
    if (r.rowCount) return r.rows[0].name;
    // Postern keeps a hosted or POP3 mailbox's folders, so it may make the one that is missing.
    if (kind !== "hosted" && kind !== "pop3") return null;
    try {
      await store.createFolder("Sent", { specialUse: SENT });
    } catch (err) {
      if ((err as { code?: string }).code !== "alreadyExists") throw err;
    }
    return "Sent";
  }

  /** Run `work` in a transaction holding an advisory lock for `key`; "busy" when another worker holds it. */
  private async locked(key: string, work: (c: pg.PoolClient) => Promise<CopyOutcome>): Promise<CopyOutcome> {
    const c = await this.d.pool.connect();
    try {
      await c.query("BEGIN");
      const got = await c.query("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS ok", [
        `postern-outbox-${key}`,
      ]);
      if (!got.rows[0].ok) {
        await c.query("ROLLBACK");
        return "busy";
      }
      const outcome = await work(c);
      await c.query("COMMIT");
      return outcome;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }
}
