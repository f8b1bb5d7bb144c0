// Pending operations: every change a phone makes to a mailbox whose mail
// lives at a backend is applied to the index at once and recorded here, in
// the same transaction, as an intent. The account worker applies them to the
// backend in order (sync/apply-ops.ts): intent → attempt → result. Payloads
// name index rows (folder id + UID) where the rows still exist when the op
// is applied, and backend refs where they will not (expunged, moved away).
import type pg from "pg";

export type OpPayload =
  | { kind: "flags"; folderId: number; uids: number[]; add: string[]; remove: string[] }
  | {
      kind: "copy" | "move";
      srcFolderId: number;
      /** Backend refs of the source messages (null: not at the backend yet), in the order of destUids. */
      srcRefs: Array<string | null>;
      srcUids: number[];
      destFolderId: number;
      destUids: number[];
    }
  | { kind: "expunge"; folderId: number; refs: string[] }
  | { kind: "append"; folderId: number; uid: number }
  | { kind: "folder_create"; name: string }
  | { kind: "folder_rename"; from: string; to: string }
  | { kind: "folder_delete"; name: string; ref: string | null };

/** Record an intent inside the caller's transaction. */
export async function queueOp(c: pg.PoolClient, mailboxId: string, payload: OpPayload): Promise<void> {
  await c.query(
    "INSERT INTO pending_op (mailbox_id, kind, payload, state, updated_at) VALUES ($1, $2, $3, 'pending', now())",
    [mailboxId, payload.kind, JSON.stringify(payload)],
  );
}

/** What the store needs from the sync engine for a mailbox whose mail lives at a backend. */
export interface RemoteHooks {
  /** Ops were queued: wake the account worker. */
  opsQueued(): void;
  /** Download a message body the index does not hold yet (StoreError "unavailable" when the backend is down). */
  fetchBody(folderId: number, uid: number): Promise<Buffer>;
  /** A phone selected INBOX: a backend without push (POP3) is checked now. */
  inboxOpened?(): void;
}
