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
  | {
      kind: "expunge";
      folderId: number;
      refs: string[];
      /** Folderless backends (POP3): the Message-ID of each ref, so a re-upload can take the delete back. */
      messageIds?: Array<string | null>;
    }
  | { kind: "append"; folderId: number; uid: number }
  | { kind: "folder_create"; name: string }
  | { kind: "folder_rename"; from: string; to: string }
  | { kind: "folder_delete"; name: string; ref: string | null };

/**
 * How long a POP3 delete waits before it is sent. DELE cannot be taken
 * back, and clients that file by upload (mbsync and other Maildir syncers:
 * delete from INBOX, then APPEND to the folder) do the delete first; an
 * APPEND of the same Message-ID within this time takes it back instead
 * (store/messages.ts `append`).
 */
export const POP3_DELETE_GRACE_MS = 15_000;

/** Record an intent inside the caller's transaction; `delayMs` holds it (and the ops after it) back that long. */
export async function queueOp(c: pg.PoolClient, mailboxId: string, payload: OpPayload, delayMs = 0): Promise<void> {
  await c.query(
    `INSERT INTO pending_op (mailbox_id, kind, payload, state, updated_at, next_attempt_at)
     VALUES ($1, $2, $3, 'pending', now(), now() + ($4 || ' milliseconds')::interval)`,
    [mailboxId, payload.kind, JSON.stringify(payload), String(delayMs)],
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
