// Applies a mailbox's pending operations to its backend, strictly in order:
// intent (the row, written with the index change) → attempt (state
// "running", attempts+1) → result (row deleted, or "failed" with the
// reason). Each apply is idempotent in effect, so an op interrupted by a
// crash can be tried again: flags are deltas, expunging a gone message does
// nothing, and an APPEND that may already have happened is looked for by
// Message-ID before it is repeated.
import { StoreError } from "@postern/protocol";
import type pg from "pg";
import type { BackendSession } from "../backends/types.ts";
import type { Log } from "../log.ts";
import type { ChangeBus } from "../store/bus.ts";
import type { OpPayload } from "./ops.ts";

export interface ApplyDeps {
  pool: pg.Pool;
  bus: ChangeBus;
  mailboxId: string;
  log: Log;
  /** The backend's options (POP3: pop3LeaveOnServer). */
  options?: Record<string, unknown>;
}

/**
 * Every backend ref this mailbox knows of: in any folder, or in a pending op
 * (a message being deleted or filed). A folderless backend (POP3) reports
 * anything else on the server as new.
 */
export async function knownRefs(pool: pg.Pool, mailboxId: string): Promise<Set<string>> {
  const r = await pool.query(
    `SELECT m.backend_ref AS ref FROM message m JOIN folder f ON f.id = m.folder_id
     WHERE f.mailbox_id = $1 AND m.backend_ref IS NOT NULL
     UNION
     SELECT jsonb_array_elements_text(CASE WHEN p.kind = 'expunge' THEN p.payload->'refs' ELSE p.payload->'srcRefs' END)
     FROM pending_op p WHERE p.mailbox_id = $1 AND p.state IN ('pending', 'running') AND p.kind IN ('expunge', 'copy', 'move')`,
    [mailboxId],
  );
  return new Set(r.rows.map((x) => x.ref as string).filter(Boolean));
}

/** POP3 filing policy: keep the server's copy (hidden from INBOX) unless told to remove it. */
function leaveOnServer(d: ApplyDeps): boolean {
  return d.options?.pop3LeaveOnServer !== false;
}

/** Longest wait between attempts of an op the backend refused for now. */
const MAX_BACKOFF_MS = 5 * 60 * 1000;

/**
 * Apply every due op. Returns how many were applied; throws the backend's
 * StoreError when it is unavailable (the op stays pending, backed off).
 */
export async function flushOps(d: ApplyDeps, session: BackendSession): Promise<number> {
  let applied = 0;
  for (;;) {
    const r = await d.pool.query(
      `SELECT id, payload, attempts, state, next_attempt_at <= now() AS due FROM pending_op
       WHERE mailbox_id = $1 AND state IN ('pending', 'running') ORDER BY id LIMIT 1`,
      [d.mailboxId],
    );
    if (!r.rowCount) return applied;
    const op = r.rows[0] as { id: string; payload: OpPayload; attempts: number; state: string; due: boolean };
    // Order matters more than speed: a backed-off op holds the ones after it.
    if (!op.due) return applied;
    const retry = op.state === "running" || op.attempts > 0;
    // The payload is read again as the op is claimed: a phone's APPEND may
    // have changed it (a POP3 delete taken back) or removed it meanwhile.
    const claimed = await d.pool.query(
      `UPDATE pending_op SET state = 'running', attempts = attempts + 1, updated_at = now()
       WHERE id = $1 AND state IN ('pending', 'running') RETURNING payload`,
      [op.id],
    );
    if (!claimed.rowCount) continue;
    op.payload = claimed.rows[0].payload;
    try {
      await applyOne(d, session, op.payload, retry);
      await d.pool.query("DELETE FROM pending_op WHERE id = $1", [op.id]);
      d.log.debug({ mailbox: d.mailboxId, op: op.payload, id: op.id }, "pending operation applied");
      applied++;
    } catch (err) {
      const e = err instanceof StoreError ? err : new StoreError("serverBug", (err as Error).message);
      if (e.code === "unavailable" || e.code === "authFailed" || e.code === "serverBug") {
        // The backend cannot take it now: keep it first in line, try later.
        const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(op.attempts, 12));
        await d.pool.query(
          `UPDATE pending_op SET state = 'pending', last_error = $2, next_attempt_at = now() + ($3 || ' milliseconds')::interval,
                  updated_at = now() WHERE id = $1`,
          [op.id, e.detail ?? e.message, String(backoff)],
        );
        throw e;
      }
      // Retrying will not help (the message or folder is gone at the
      // backend): record why and go on with the rest.
      d.log.warn(
        { mailbox: d.mailboxId, op: op.payload.kind, err: e.message, detail: e.detail },
        "pending operation failed",
      );
      await d.pool.query("UPDATE pending_op SET state = 'failed', last_error = $2, updated_at = now() WHERE id = $1", [
        op.id,
        e.detail ?? e.message,
      ]);
      if (op.payload.kind === "flags") await clearDirty(d, op.payload.folderId, op.payload.uids, op.id);
    }
  }
}

/** Milliseconds until the first op in line is due (null: none waiting). */
export async function nextOpDueMs(d: ApplyDeps): Promise<number | null> {
  const r = await d.pool.query(
    `SELECT greatest(0, extract(epoch FROM next_attempt_at - now()) * 1000)::float8 AS ms FROM pending_op
     WHERE mailbox_id = $1 AND state IN ('pending', 'running') ORDER BY id LIMIT 1`,
    [d.mailboxId],
  );
  return r.rowCount ? Number(r.rows[0].ms) : null;
}

/** Whether ops are waiting (used to decide whether a flush is due). */
export async function opsWaiting(d: ApplyDeps): Promise<boolean> {
  const r = await d.pool.query(
    "SELECT 1 FROM pending_op WHERE mailbox_id = $1 AND state IN ('pending', 'running') AND next_attempt_at <= now() LIMIT 1",
    [d.mailboxId],
  );
  return (r.rowCount ?? 0) > 0;
}

async function folderRef(d: ApplyDeps, folderId: number): Promise<string | null> {
  const r = await d.pool.query("SELECT backend_ref FROM folder WHERE id = $1 AND mailbox_id = $2", [
    folderId,
    d.mailboxId,
  ]);
  return r.rowCount ? (r.rows[0].backend_ref as string | null) : null;
}

async function applyOne(d: ApplyDeps, s: BackendSession, op: OpPayload, retry: boolean): Promise<void> {
  switch (op.kind) {
    case "flags": {
      const ref = await folderRef(d, op.folderId);
      if (!ref) return;
      const r = await d.pool.query(
        "SELECT backend_ref FROM message WHERE folder_id = $1 AND uid = ANY($2::int[]) AND backend_ref IS NOT NULL",
        [op.folderId, op.uids],
      );
      const refs = r.rows.map((x) => x.backend_ref as string);
      // Messages not at the backend yet take their flags along when their
      // own append/copy op runs.
      if (refs.length) await s.setFlags(ref, refs, { add: op.add, remove: op.remove });
      await clearDirty(d, op.folderId, op.uids, null);
      return;
    }
    case "expunge": {
      // A folderless backend (POP3) has one maildrop: a message deleted from
      // any folder (INBOX, or filed with its server copy kept) goes from it.
      const ref = s.capabilities.folders ? await folderRef(d, op.folderId) : "INBOX";
      if (ref && op.refs.length) await s.expunge(ref, op.refs);
      return;
    }
    case "append":
      // Folders other than INBOX of a folderless backend are Postern's own.
      if (!s.capabilities.folders) return;
      return applyAppend(d, s, op.folderId, op.uid, retry);
    case "copy":
    case "move":
      if (!s.capabilities.folders) return applyLocalFiling(d, s, op);
      return applyCopy(d, s, op, retry);
    case "folder_create": {
      if (!s.capabilities.folders) return;
      const ref = s.folderRefFor(op.name);
      try {
        await s.createFolder(ref);
      } catch (err) {
        if (!(err instanceof StoreError && err.code === "alreadyExists")) throw err;
      }
      await d.pool.query(
        "UPDATE folder SET backend_ref = $3 WHERE mailbox_id = $1 AND name = $2 AND backend_ref IS NULL",
        [d.mailboxId, op.name, ref],
      );
      return;
    }
    case "folder_rename": {
      if (!s.capabilities.folders) return;
      const cur = await d.pool.query("SELECT backend_ref FROM folder WHERE mailbox_id = $1 AND name = $2", [
        d.mailboxId,
        op.to,
      ]);
      const fromRef = (cur.rows[0]?.backend_ref as string | null) ?? s.folderRefFor(op.from);
      const toRef = s.folderRefFor(op.to);
      if (fromRef !== toRef) {
        try {
          await s.renameFolder(fromRef, toRef);
        } catch (err) {
          // Already renamed (a retry after a crash): the target exists, the source does not.
          if (!(err instanceof StoreError && (err.code === "nonexistent" || err.code === "alreadyExists") && retry))
            throw err;
        }
      }
      // The folder and everything below it now live under the new name.
      const moved = await d.pool.query(
        "SELECT id, name FROM folder WHERE mailbox_id = $1 AND (name = $2 OR name LIKE $3)",
        [d.mailboxId, op.to, `${op.to.replace(/[\\%_]/g, "\\$&")}/%`],
      );
      for (const f of moved.rows) {
        await d.pool.query("UPDATE folder SET backend_ref = $2 WHERE id = $1", [f.id, s.folderRefFor(f.name)]);
      }
      return;
    }
    case "folder_delete": {
      if (!s.capabilities.folders) return;
      // No ref when the phone deleted the folder before its create op had
      // recorded one; ops run in order, so by now it exists under its name.
      const ref = op.ref ?? s.folderRefFor(op.name);
      try {
        await s.deleteFolder(ref);
      } catch (err) {
        if (!(err instanceof StoreError && err.code === "nonexistent")) throw err;
      }
      return;
    }
  }
}

/** The phone's flags reached the backend: a backend sync may update these rows again. */
async function clearDirty(d: ApplyDeps, folderId: number, uids: number[], failedOpId: string | null): Promise<void> {
  // Another flags op for the same messages still waiting keeps them dirty.
  await d.pool.query(
    `UPDATE message m SET local_dirty = false WHERE m.folder_id = $1 AND m.uid = ANY($2::int[])
       AND NOT EXISTS (SELECT 1 FROM pending_op p WHERE p.mailbox_id = $3 AND p.kind = 'flags'
                       AND p.state IN ('pending', 'running') AND ($4::bigint IS NULL OR p.id <> $4::bigint)
                       AND (p.payload->>'folderId')::int = $1
                       AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(p.payload->'uids') x WHERE x::int = m.uid))`,
    [folderId, uids, d.mailboxId, failedOpId],
  );
}

async function applyAppend(
  d: ApplyDeps,
  s: BackendSession,
  folderId: number,
  uid: number,
  retry: boolean,
): Promise<void> {
  const ref = await folderRef(d, folderId);
  if (!ref) throw new StoreError("unavailable", "folder not at the backend yet");
  const r = await d.pool.query(
    `SELECT m.backend_ref, m.message_id, m.internal_date, b.data,
            m.seen, m.answered, m.flagged, m.deleted, m.draft, m.keywords
     FROM message m LEFT JOIN blob b ON b.id = m.blob_id WHERE m.folder_id = $1 AND m.uid = $2`,
    [folderId, uid],
  );
  // Expunged on the phone before it reached the backend, or already there.
  if (!r.rowCount || r.rows[0].backend_ref) return;
  const row = r.rows[0];
  if (!row.data) throw new StoreError("notPossible", "the message's body is not stored");
  if (retry && row.message_id) {
    // The previous attempt may have reached the backend before the crash.
    const found = await s.findByMessageId(ref, row.message_id);
    if (found.length) {
      await bindRef(d, folderId, uid, found[0]);
      return;
    }
  }
  const flags = flagList(row);
  const newRef = await s.append(ref, row.data, { flags, internalDate: row.internal_date });
  // Without UIDPLUS the next sync adopts it by Message-ID.
  if (newRef) await bindRef(d, folderId, uid, newRef);
}

async function applyCopy(
  d: ApplyDeps,
  s: BackendSession,
  op: Extract<OpPayload, { kind: "copy" | "move" }>,
  retry: boolean,
): Promise<void> {
  const src = await folderRef(d, op.srcFolderId);
  const dest = await folderRef(d, op.destFolderId);
  if (!dest) throw new StoreError("unavailable", "folder not at the backend yet");
  const refs = op.srcRefs.filter((x): x is string => !!x);
  let map = new Map<string, string>();
  if (src && refs.length) {
    map = op.kind === "move" ? await s.move(src, refs, dest) : await s.copy(src, refs, dest);
  }
  const gone: string[] = [];
  for (let i = 0; i < op.destUids.length; i++) {
    const srcRef = op.srcRefs[i];
    const destUid = op.destUids[i];
    if (srcRef) {
      const newRef = map.get(srcRef);
      if (!newRef) continue; // no COPYUID: the next sync adopts by Message-ID
      const bound = await bindRef(d, op.destFolderId, destUid, newRef);
      // The phone expunged the copy before this ran: expunge it at the backend too.
      if (!bound) gone.push(newRef);
    } else {
      // The source was not at the backend yet (appended on the phone, then
      // filed): it goes to the destination as an append.
      await applyAppend(d, s, op.destFolderId, destUid, retry);
    }
  }
  if (gone.length) await s.expunge(dest, gone);
}

/**
 * Filing on a folderless backend (POP3): folders are Postern's, bodies are
 * Postern's. A message filed out of INBOX keeps its server copy (hidden from
 * INBOX: the filed row carries the UIDL) unless the backend is set to remove
 * it; one filed back into INBOX is bound to its server copy if it still has
 * one. A copy leaves the server alone.
 */
async function applyLocalFiling(d: ApplyDeps, s: BackendSession, op: Extract<OpPayload, { kind: "copy" | "move" }>) {
  if (op.kind === "copy") return;
  const refs = op.srcRefs.filter((x): x is string => !!x);
  if (!refs.length) return;
  const destIsInbox = (await folderRef(d, op.destFolderId)) === "INBOX";
  if (!destIsInbox && !leaveOnServer(d)) {
    await s.expunge("INBOX", refs);
    return;
  }
  for (let i = 0; i < op.destUids.length; i++) {
    const ref = op.srcRefs[i];
    if (ref) await bindRef(d, op.destFolderId, op.destUids[i], ref);
  }
}

async function bindRef(d: ApplyDeps, folderId: number, uid: number, ref: string): Promise<boolean> {
  const r = await d.pool.query(
    "UPDATE message SET backend_ref = $3 WHERE folder_id = $1 AND uid = $2 AND backend_ref IS NULL",
    [folderId, uid, ref],
  );
  return (r.rowCount ?? 0) > 0;
}

function flagList(row: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (row.seen) out.push("\\Seen");
  if (row.answered) out.push("\\Answered");
  if (row.flagged) out.push("\\Flagged");
  if (row.deleted) out.push("\\Deleted");
  if (row.draft) out.push("\\Draft");
  out.push(...((row.keywords as string[]) ?? []));
  return out;
}
