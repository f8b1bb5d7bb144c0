// A mailbox's sync health as admins see it (postern status, the portal):
// state, last successful sync, an error in words they can act on, progress
// of a long initial sync.
import type pg from "pg";

export interface Progress {
  folder: string;
  folders: number;
  foldersDone: number;
  done: number;
  total: number;
}

export async function setSyncState(
  pool: pg.Pool,
  mailboxId: string,
  s: { state: "idle" | "syncing" | "error" | "needs_attention"; lastSyncAt?: Date; error?: string | null },
): Promise<void> {
  await pool.query(
    `UPDATE mailbox SET sync_state = $2::"SyncState",
            last_sync_at = coalesce($3, last_sync_at),
            last_error = CASE WHEN $4::boolean THEN $5 ELSE last_error END,
            sync_progress = CASE WHEN $2 = 'idle' THEN '{}'::jsonb ELSE sync_progress END,
            updated_at = now()
     WHERE id = $1`,
    [mailboxId, s.state, s.lastSyncAt ?? null, s.error !== undefined, s.error ?? null],
  );
}

export async function reportProgress(pool: pg.Pool, mailboxId: string, p: Progress): Promise<void> {
  await pool.query("UPDATE mailbox SET sync_progress = $2, sync_state = 'syncing' WHERE id = $1", [
    mailboxId,
    JSON.stringify(p),
  ]);
}
