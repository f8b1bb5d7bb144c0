import type pg from "pg";
import type { Log } from "../log.ts";
import type { ChangeBus } from "./bus.ts";

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
}
