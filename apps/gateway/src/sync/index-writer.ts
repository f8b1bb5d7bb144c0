// Writes what a backend reports into the index, with the same rules the
// phone-side store follows: UIDs and MODSEQ allocated from the folder row
// under its lock, expunges logged for QRESYNC, sessions woken through the bus.
import { createHash } from "node:crypto";
import type pg from "pg";
import type { FolderCursor, RemoteFolder, RemoteMessage } from "../backends/types.ts";
import type { ChangeBus } from "../store/bus.ts";
import { splitFlags } from "../store/flags.ts";
import { lockFolder } from "../store/messages.ts";
import { withTx } from "../store/sql.ts";
import { queueOp } from "./ops.ts";

export interface IndexWriterDeps {
  pool: pg.Pool;
  bus: ChangeBus;
  mailboxId: string;
  log?: { debug(obj: object, msg?: string): void };
}

export interface IndexFolder {
  id: number;
  name: string;
  ref: string | null;
  cursor: FolderCursor | null;
  /** A placeholder in the hierarchy: nothing to sync. */
  noSelect: boolean;
}

export async function indexFolders(d: IndexWriterDeps): Promise<IndexFolder[]> {
  const r = await d.pool.query(
    "SELECT id, name, backend_ref, sync_state, no_select FROM folder WHERE mailbox_id = $1 ORDER BY name",
    [d.mailboxId],
  );
  return r.rows.map((row) => ({
    id: row.id,
    name: row.name,
    ref: row.backend_ref,
    cursor: row.sync_state?.uidValidity ? (row.sync_state as FolderCursor) : null,
    noSelect: row.no_select,
  }));
}

/**
 * Make the index's folder tree match the backend's. A local folder with no
 * backend ref yet (INBOX from provisioning, a folder a phone just created)
 * is adopted by name; a backend folder the index lacks is added, unless a
 * phone's pending delete is about to remove it; a folder gone from the
 * backend goes from the index — unless phone folder operations are still
 * pending, which run first.
 */
/** How long a folder must be missing from the backend's LIST before the index drops it. */
export const FOLDER_MISSING_GRACE_MS = 10_000;

export async function reconcileFolders(d: IndexWriterDeps, remote: RemoteFolder[]): Promise<void> {
  await withTx(d.pool, async (c) => {
    const pending = await c.query(
      "SELECT payload FROM pending_op WHERE mailbox_id = $1 AND state IN ('pending', 'running') AND kind LIKE 'folder_%'",
      [d.mailboxId],
    );
    const pendingDeletes = new Set(
      pending.rows.filter((r) => r.payload.kind === "folder_delete").map((r) => r.payload.ref as string),
    );
    const local = await c.query("SELECT id, name, backend_ref FROM folder WHERE mailbox_id = $1 FOR UPDATE", [
      d.mailboxId,
    ]);
    const byRef = new Map(local.rows.filter((r) => r.backend_ref).map((r) => [r.backend_ref as string, r]));
    const byName = new Map(local.rows.map((r) => [r.name as string, r]));
    const seen = new Set<number>();
    for (const f of remote) {
      const existing = byRef.get(f.ref) ?? (byName.get(f.name)?.backend_ref ? undefined : byName.get(f.name));
      if (existing) {
        seen.add(existing.id);
        await c.query(
          `UPDATE folder SET backend_ref = $2, special_use = coalesce($3, special_use), no_select = $4,
                  name = CASE WHEN $5 = name OR EXISTS (SELECT 1 FROM folder o WHERE o.mailbox_id = $6 AND o.name = $5) THEN name ELSE $5 END
           WHERE id = $1`,
          [existing.id, f.ref, f.specialUse, f.noSelect, f.name, d.mailboxId],
        );
        continue;
      }
      if (pendingDeletes.has(f.ref)) continue;
      if (byName.has(f.name)) continue; // name taken by a folder bound to another ref: leave both alone
      const ins = await c.query(
        `INSERT INTO folder (mailbox_id, name, uid_validity, special_use, subscribed, no_select, backend_ref)
         VALUES ($1, $2, nextval('uid_validity_seq'), $3, true, $4, $5) RETURNING id`,
        [d.mailboxId, f.name, f.specialUse, f.noSelect, f.ref],
      );
      seen.add(ins.rows[0].id);
    }
    if (pending.rowCount) return;
    const remoteRefs = new Set(remote.map((f) => f.ref));
    const now = Date.now();
    for (const row of local.rows) {
      if (!row.backend_ref || seen.has(row.id)) continue;
      if (remoteRefs.has(row.backend_ref)) {
        if (row.sync_state?.missingSince) {
          await c.query("UPDATE folder SET sync_state = sync_state - 'missingSince' WHERE id = $1", [row.id]);
        }
        continue;
      }
      // A LIST can miss a folder that exists (Dovecot's list index does,
      // for a folder made by another session within the same second):
      // a folder is gone only when it has been missing for a while, and
      // deleting it takes its messages off every phone.
      const since = Number(row.sync_state?.missingSince ?? 0);
      if (!since) {
        await c.query(
          "UPDATE folder SET sync_state = sync_state || jsonb_build_object('missingSince', $2::bigint) WHERE id = $1",
          [row.id, now],
        );
        continue;
      }
      if (now - since < FOLDER_MISSING_GRACE_MS) continue;
      d.log?.debug({ mailbox: d.mailboxId, folder: row.name, ref: row.backend_ref }, "folder gone from the backend");
      await c.query("DELETE FROM folder WHERE id = $1", [row.id]);
      d.bus.publish(row.id, Number.MAX_SAFE_INTEGER);
    }
  });
}

export async function saveCursor(d: IndexWriterDeps, folderId: number, cursor: FolderCursor): Promise<void> {
  await d.pool.query("UPDATE folder SET sync_state = $2 WHERE id = $1", [folderId, JSON.stringify(cursor)]);
}

/**
 * Add messages that appeared at the backend. A local row waiting for its
 * backend ref (a phone's APPEND, COPY or MOVE, applied but not yet matched,
 * perhaps because the gateway stopped in between) with the same Message-ID
 * is adopted instead of duplicated.
 */
export async function addMessages(d: IndexWriterDeps, folderId: number, msgs: RemoteMessage[]): Promise<number> {
  if (!msgs.length) return 0;
  const r = await withTx(d.pool, async (c) => {
    const f = await lockFolder(c, folderId);
    const ids = msgs.map((m) => m.messageId).filter((x): x is string => !!x);
    const waiting = ids.length
      ? await c.query(
          "SELECT uid, message_id FROM message WHERE folder_id = $1 AND backend_ref IS NULL AND message_id = ANY($2::text[]) ORDER BY uid",
          [folderId, ids],
        )
      : { rows: [] as Array<{ uid: number; message_id: string }> };
    const adoptable = new Map<string, number[]>();
    for (const w of waiting.rows) adoptable.set(w.message_id, [...(adoptable.get(w.message_id) ?? []), w.uid]);
    const known = await c.query(
      "SELECT backend_ref FROM message WHERE folder_id = $1 AND backend_ref = ANY($2::text[])",
      [folderId, msgs.map((m) => m.ref)],
    );
    const already = new Set(known.rows.map((k) => k.backend_ref as string));
    const fresh: RemoteMessage[] = [];
    for (const m of msgs) {
      if (already.has(m.ref)) continue;
      const uids = m.messageId ? adoptable.get(m.messageId) : undefined;
      if (uids?.length) {
        const uid = uids.shift() as number;
        await c.query("UPDATE message SET backend_ref = $3 WHERE folder_id = $1 AND uid = $2", [folderId, uid, m.ref]);
      } else fresh.push(m);
    }
    if (!fresh.length) return { modseq: 0, added: 0 };
    const modseq = f.highestModseq + 1;
    const cols = {
      uid: [] as number[],
      seen: [] as boolean[],
      answered: [] as boolean[],
      flagged: [] as boolean[],
      deleted: [] as boolean[],
      draft: [] as boolean[],
      keywords: [] as string[],
      date: [] as Date[],
      size: [] as number[],
      envelope: [] as Array<string | null>,
      body: [] as Array<string | null>,
      messageId: [] as Array<string | null>,
      header: [] as Array<Buffer | null>,
      ref: [] as string[],
      blob: [] as Array<string | null>,
    };
    // A backend that indexes by downloading (POP3) hands over the whole
    // message: it is stored durably in the same transaction as its row.
    // One insert per body: a Buffer parameter goes over the wire as binary,
    // where a bytea[] array would be hex text twice the size.
    const blobIds = fresh.map((m) => (m.raw ? blobId(m.raw) : null));
    for (let i = 0; i < fresh.length; i++) {
      const raw = fresh[i].raw;
      if (!raw) continue;
      await c.query(
        "INSERT INTO blob (id, size, header_size, data) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
        [blobIds[i], raw.length, fresh[i].header?.length ?? 0, raw],
      );
    }
    fresh.forEach((m, i) => {
      const flags = splitFlags(m.flags);
      cols.uid.push(f.uidNext + i);
      cols.seen.push(flags.system.has("seen"));
      cols.answered.push(flags.system.has("answered"));
      cols.flagged.push(flags.system.has("flagged"));
      cols.deleted.push(flags.system.has("deleted"));
      cols.draft.push(flags.system.has("draft"));
      cols.keywords.push(JSON.stringify(flags.keywords));
      cols.date.push(m.internalDate);
      cols.size.push(m.size);
      cols.envelope.push(m.envelope ? JSON.stringify(m.envelope) : null);
      cols.body.push(m.bodyStructure ? JSON.stringify(m.bodyStructure) : null);
      cols.messageId.push(m.messageId ?? null);
      cols.header.push(m.raw ? null : (m.header ?? null));
      cols.ref.push(m.ref);
      cols.blob.push(blobIds[i]);
    });
    await c.query(
      `INSERT INTO message (folder_id, uid, modseq, seen, answered, flagged, deleted, draft, keywords, internal_date, size,
                            envelope, body_structure, message_id, header, backend_ref, blob_id)
       SELECT $1, v.uid, $2, v.seen, v.answered, v.flagged, v.deleted, v.draft,
              ARRAY(SELECT json_array_elements_text(v.kw::json)), v.date, v.size, v.env::jsonb, v.body::jsonb, v.mid, v.hdr, v.ref, v.blob
       FROM unnest($3::int[], $4::bool[], $5::bool[], $6::bool[], $7::bool[], $8::bool[], $9::text[], $10::timestamptz[],
                   $11::int[], $12::text[], $13::text[], $14::text[], $15::bytea[], $16::text[], $17::text[])
            AS v(uid, seen, answered, flagged, deleted, draft, kw, date, size, env, body, mid, hdr, ref, blob)`,
      [
        folderId,
        modseq,
        cols.uid,
        cols.seen,
        cols.answered,
        cols.flagged,
        cols.deleted,
        cols.draft,
        cols.keywords,
        cols.date,
        cols.size,
        cols.envelope,
        cols.body,
        cols.messageId,
        cols.header,
        cols.ref,
        cols.blob,
      ],
    );
    await c.query("UPDATE folder SET uid_next = $2, highest_modseq = $3 WHERE id = $1", [
      folderId,
      f.uidNext + fresh.length,
      modseq,
    ]);
    return { modseq, added: fresh.length };
  });
  if (r.modseq) d.bus.publish(folderId, r.modseq);
  return r.added;
}

/**
 * Flags the backend changed. A message the phone changed and the backend
 * has not been told about yet (local_dirty) keeps the phone's flags: the
 * pending op carries them to the backend, and the next sync agrees.
 */
export async function updateFlags(
  d: IndexWriterDeps,
  folderId: number,
  changes: Array<{ ref: string; flags: string[] }>,
): Promise<number> {
  if (!changes.length) return 0;
  const r = await withTx(d.pool, async (c) => {
    const f = await lockFolder(c, folderId);
    const modseq = f.highestModseq + 1;
    const refs: string[] = [];
    const bits: boolean[][] = [[], [], [], [], []];
    const kws: string[] = [];
    for (const ch of changes) {
      const s = splitFlags(ch.flags);
      refs.push(ch.ref);
      ["seen", "answered", "flagged", "deleted", "draft"].forEach((col, i) => {
        bits[i].push(s.system.has(col));
      });
      kws.push(JSON.stringify(s.keywords));
    }
    const u = await c.query(
      `WITH v AS (
         SELECT u.ref, u.seen, u.answered, u.flagged, u.deleted, u.draft,
                ARRAY(SELECT json_array_elements_text(u.kw::json)) AS kw
         FROM unnest($3::text[], $4::bool[], $5::bool[], $6::bool[], $7::bool[], $8::bool[], $9::text[])
              AS u(ref, seen, answered, flagged, deleted, draft, kw))
       UPDATE message m SET seen = v.seen, answered = v.answered, flagged = v.flagged, deleted = v.deleted,
              draft = v.draft, keywords = v.kw, modseq = $2
       FROM v
       WHERE m.folder_id = $1 AND m.backend_ref = v.ref AND NOT m.local_dirty
         AND ((m.seen, m.answered, m.flagged, m.deleted, m.draft) IS DISTINCT FROM (v.seen, v.answered, v.flagged, v.deleted, v.draft)
              OR NOT (m.keywords @> v.kw AND m.keywords <@ v.kw))`,
      [folderId, modseq, refs, ...bits, kws],
    );
    if (!u.rowCount) return { modseq: 0, n: 0 };
    await c.query("UPDATE folder SET highest_modseq = $2 WHERE id = $1", [folderId, modseq]);
    return { modseq, n: u.rowCount ?? 0 };
  });
  if (r.modseq) d.bus.publish(folderId, r.modseq);
  return r.n;
}

/** Messages gone from the backend: by ref, or everything with a ref not in `present`. */
export async function removeMessages(
  d: IndexWriterDeps,
  folderId: number,
  removed: { refs?: string[]; present?: Set<string> },
): Promise<number> {
  const r = await withTx(d.pool, async (c) => {
    let refs = removed.refs ?? [];
    if (removed.present) {
      const all = await c.query("SELECT backend_ref FROM message WHERE folder_id = $1 AND backend_ref IS NOT NULL", [
        folderId,
      ]);
      refs = all.rows.map((x) => x.backend_ref as string).filter((ref) => !removed.present?.has(ref));
    }
    if (!refs.length) return { modseq: 0, n: 0 };
    const f = await lockFolder(c, folderId);
    const modseq = f.highestModseq + 1;
    const del = await c.query(
      "DELETE FROM message WHERE folder_id = $1 AND backend_ref = ANY($2::text[]) RETURNING uid",
      [folderId, refs],
    );
    const uids = del.rows.map((x) => x.uid as number);
    if (!uids.length) return { modseq: 0, n: 0 };
    await c.query(
      `INSERT INTO expunge_log (folder_id, uid, modseq) SELECT $1, u, $3 FROM unnest($2::int[]) u
       ON CONFLICT (folder_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq`,
      [folderId, uids, modseq],
    );
    await c.query("UPDATE folder SET highest_modseq = $2 WHERE id = $1", [folderId, modseq]);
    return { modseq, n: uids.length };
  });
  if (r.modseq) d.bus.publish(folderId, r.modseq);
  return r.n;
}

/**
 * The backend's UIDVALIDITY changed: every ref is new. Rows are re-bound to
 * the new refs by Message-ID and size where they match, so phones keep
 * their UIDs for those; the rest of the old rows go, the rest of the new
 * messages come in as new.
 */
export async function remapFolder(
  d: IndexWriterDeps,
  folderId: number,
  msgs: RemoteMessage[],
): Promise<RemoteMessage[]> {
  const old = await d.pool.query(
    "SELECT uid, message_id, size FROM message WHERE folder_id = $1 AND backend_ref IS NOT NULL ORDER BY uid",
    [folderId],
  );
  const pool = new Map<string, number[]>();
  for (const o of old.rows) {
    if (!o.message_id) continue;
    const key = `${o.message_id}|${o.size}`;
    pool.set(key, [...(pool.get(key) ?? []), o.uid]);
  }
  const rebound = new Map<number, string>();
  const unmatched: RemoteMessage[] = [];
  for (const m of msgs) {
    const uids = m.messageId ? pool.get(`${m.messageId}|${m.size}`) : undefined;
    if (uids?.length) rebound.set(uids.shift() as number, m.ref);
    else unmatched.push(m);
  }
  await withTx(d.pool, async (c) => {
    await lockFolder(c, folderId);
    // Park old refs out of the way, then bind the matched rows to new ones.
    await c.query(
      "UPDATE message SET backend_ref = 'stale:' || backend_ref WHERE folder_id = $1 AND backend_ref IS NOT NULL",
      [folderId],
    );
    if (rebound.size) {
      await c.query(
        `UPDATE message m SET backend_ref = v.ref FROM unnest($2::int[], $3::text[]) AS v(uid, ref)
         WHERE m.folder_id = $1 AND m.uid = v.uid`,
        [folderId, [...rebound.keys()], [...rebound.values()]],
      );
    }
  });
  const stale = await d.pool.query(
    "SELECT backend_ref FROM message WHERE folder_id = $1 AND backend_ref LIKE 'stale:%'",
    [folderId],
  );
  await removeMessages(d, folderId, { refs: stale.rows.map((x) => x.backend_ref as string) });
  return unmatched;
}

/** The special-use folders every mailbox has on the phone, by role. */
const STANDARD: ReadonlyArray<[string, string]> = [
  ["\\Drafts", "Drafts"],
  ["\\Sent", "Sent"],
  ["\\Archive", "Archive"],
  ["\\Junk", "Junk"],
  ["\\Trash", "Trash"],
];

/**
 * Phones file to Sent, Drafts, Trash, Junk and Archive and look for them by
 * special use (RFC 6154). A backend that lacks one gets it: created in the
 * index at once and at the backend through a pending op; a folder with the
 * standard name but no special-use mark gets the mark.
 */
export async function ensureStandardFolders(d: IndexWriterDeps): Promise<number> {
  return withTx(d.pool, async (c) => {
    const r = await c.query("SELECT name, special_use FROM folder WHERE mailbox_id = $1 FOR UPDATE", [d.mailboxId]);
    const roles = new Set(r.rows.map((x) => x.special_use).filter(Boolean));
    const names = new Map(r.rows.map((x) => [String(x.name).toLowerCase(), x]));
    let created = 0;
    for (const [role, name] of STANDARD) {
      if (roles.has(role)) continue;
      const same = names.get(name.toLowerCase());
      if (same) {
        if (!same.special_use)
          await c.query("UPDATE folder SET special_use = $3 WHERE mailbox_id = $1 AND name = $2", [
            d.mailboxId,
            same.name,
            role,
          ]);
        continue;
      }
      await c.query(
        `INSERT INTO folder (mailbox_id, name, uid_validity, special_use, subscribed) VALUES ($1, $2, nextval('uid_validity_seq'), $3, true)`,
        [d.mailboxId, name, role],
      );
      await queueOp(c, d.mailboxId, { kind: "folder_create", name });
      created++;
    }
    return created;
  });
}

function blobId(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex");
}
