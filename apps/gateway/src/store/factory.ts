// Makes a MailStore for a mailbox: one per IMAP session, and one for any
// other part of the gateway that writes mail into a mailbox (the SMTP
// outbox's Sent copies and bounces). The caches are shared by all of them.
import type pg from "pg";
import type { Log } from "../log.ts";
import type { RemoteHooks } from "../sync/ops.ts";
import { analyzeMessage } from "./analyze.ts";
import type { ChangeBus } from "./bus.ts";
import { MessageCache } from "./message-cache.ts";
import { MetaCache } from "./meta-cache.ts";
import { PgMailStore } from "./pg-store.ts";

export class StoreFactory {
  /** Folder metadata shared by every session (store/meta-cache.ts). */
  readonly meta: MetaCache;
  readonly parts = new MessageCache();

  constructor(
    private readonly deps: {
      pool: pg.Pool;
      bus: ChangeBus;
      log: Log;
      /** The sync engine's hooks for a mailbox whose mail lives at a backend. */
      remote: (mailboxId: string) => RemoteHooks;
    },
  ) {
    this.meta = new MetaCache(deps.bus);
  }

  /** A store for a mailbox; `backendKind` decides whether changes are queued for a backend. */
  forMailbox(mailboxId: string, backendKind: string): PgMailStore {
    return new PgMailStore({
      pool: this.deps.pool,
      bus: this.deps.bus,
      mailboxId,
      log: this.deps.log,
      analyze: analyzeMessage,
      meta: this.meta,
      parts: this.parts,
      remote: backendKind === "hosted" ? undefined : this.deps.remote(mailboxId),
      folderless: backendKind === "pop3",
    });
  }

  /** Same, looking the backend kind up. */
  async open(mailboxId: string): Promise<PgMailStore> {
    const r = await this.deps.pool.query(
      "SELECT b.kind FROM mailbox m JOIN backend b ON b.id = m.backend_id WHERE m.id = $1",
      [mailboxId],
    );
    if (!r.rowCount) throw new Error(`no mailbox ${mailboxId}`);
    return this.forMailbox(mailboxId, r.rows[0].kind);
  }
}
