import type pg from "pg";
import type { Log } from "../log.ts";
import type { RemoteHooks } from "../sync/ops.ts";
import type { ChangeBus } from "./bus.ts";
import type { MessageCache } from "./message-cache.ts";
import type { MetaCache } from "./meta-cache.ts";

/** What the index computes from a raw message when it is stored. */
export interface MessageAnalysis {
  envelope: unknown;
  bodyStructure: unknown;
  headerSize: number;
  messageId: string | null;
}

export type Analyzer = (raw: Buffer) => MessageAnalysis;

/** Everything a mailbox's store needs; one per authenticated session. */
export interface StoreContext {
  pool: pg.Pool;
  bus: ChangeBus;
  mailboxId: string;
  log: Log;
  analyze: Analyzer;
  /** Folder metadata shared by every session of this gateway. */
  meta: MetaCache;
  /** Headers and structures of recently fetched messages, shared likewise. */
  parts: MessageCache;
  /**
   * Set when the mailbox's mail lives at a backend: changes are queued as
   * pending operations and missing bodies are downloaded on demand.
   */
  remote?: RemoteHooks;
  /** The backend has one maildrop and no folders or flags (POP3): folders are Postern's own. */
  folderless?: boolean;
}
