// Message operations on the index. Every change allocates its MODSEQ (and
// UIDs) from the folder row under that row's lock, inside the transaction
// that makes the change, so MODSEQ and UID order match commit order
// (DESIGN.md "The hard parts"), then wakes sessions through the bus.
import { createHash } from "node:crypto";
import {
  type AppendResult,
  type CopyResult,
  type FetchedMessage,
  type FetchNeeds,
  type FolderChanges,
  type MessageFlags,
  type OpenedFolder,
  StoreError,
  type StoreRequest,
  type StoreResult,
  toCrlf,
} from "@postern/protocol";
import type pg from "pg";
import { type OpPayload, POP3_DELETE_GRACE_MS, queueOp } from "../sync/ops.ts";
import type { StoreContext } from "./context.ts";
import { FLAGS_SELECT, flagsFromRow, splitFlags, storeSql } from "./flags.ts";
import { CachedMessage, flagsTextAt, type MetaEntry } from "./meta-cache.ts";
import { normalizeName } from "./names.ts";
import { int, rows, toIntArray, withTx } from "./sql.ts";

export async function fetch(
  ctx: StoreContext,
  folder: OpenedFolder,
  uids: ArrayLike<number>,
  needs: FetchNeeds,
  opts: { changedSince?: number } = {},
): Promise<FetchedMessage[]> {
  if (!uids.length) return [];
  // Flags, MODSEQ, date and size always come from the shared metadata cache.
  const msgs = await fetchMeta(ctx, folder, uids, opts.changedSince);
  if (!msgs.length || (!needs.envelope && !needs.bodyStructure && !needs.header && !needs.body)) return msgs;
  // The rest from the parts cache where it can, one query for what it cannot.
  const missing: CachedMessage[] = [];
  for (const m of msgs) {
    const c = needs.body ? undefined : ctx.parts.get(folder.id, m.uid);
    if (
      c &&
      (!needs.header || c.header) &&
      (!needs.envelope || c.envelope) &&
      (!needs.bodyStructure || c.bodyStructure)
    ) {
      m.header = c.header;
      m.envelope = c.envelope;
      m.bodyStructure = c.bodyStructure;
    } else missing.push(m);
  }
  if (!missing.length) return msgs;
  const cols = ["m.uid", needs.envelope ? "m.envelope" : "NULL", needs.bodyStructure ? "m.body_structure" : "NULL"];
  // Header-only needs read a slice of the blob (stored uncompressed, so the
  // slice touches only the first chunks); body needs read it all.
  // Backend messages not downloaded yet keep their header block in the row.
  cols.push(
    needs.body ? "b.data" : needs.header ? "coalesce(substring(b.data from 1 for b.header_size), m.header)" : "NULL",
  );
  const join = needs.body || needs.header ? "LEFT JOIN blob b ON b.id = m.blob_id" : "";
  const r = await rows(
    ctx.pool,
    `SELECT ${cols.join(", ")} FROM message m ${join} WHERE m.folder_id = $1 AND m.uid = ANY($2::int[])`,
    [folder.id, missing.map((m) => m.uid)],
  );
  const byUid = new Map(missing.map((m) => [m.uid, m]));
  for (const [uid, envelope, bodyStructure, data] of r) {
    const m = byUid.get(uid as number);
    if (!m) continue;
    byUid.delete(m.uid);
    if (envelope != null) m.envelope = envelope;
    if (bodyStructure != null) m.bodyStructure = bodyStructure;
    // A null blob is a backend message whose body was never downloaded (or
    // was evicted): FETCH asks fetchRaw, which the sync engine answers.
    if (data != null) {
      if (needs.body) m.raw = data as Buffer;
      else m.header = data as Buffer;
    }
    ctx.parts.put(folder.id, m.uid, {
      header: needs.body ? undefined : m.header,
      envelope: m.envelope,
      bodyStructure: m.bodyStructure,
    });
  }
  // Left in byUid: expunged (or moved) by another session between the two
  // reads. Their parts are gone, so they are left out, as the metadata read
  // leaves out what it no longer has; the session hears of the expunge when
  // RFC 3501 §7.4.1 lets it.
  if (byUid.size) return msgs.filter((m) => !byUid.has(m.uid));
  return msgs;
}

/** FETCH of flags only, straight from the metadata cache's arrays (MailStore.fetchFlags). */
export async function fetchFlags(
  ctx: StoreContext,
  folder: OpenedFolder,
  uids: ArrayLike<number>,
  changedSince: number | undefined,
  visit: (uid: number, modseq: number, size: number, flags: string) => void,
): Promise<void> {
  if (!uids.length) return;
  const e = await ctx.meta.get(ctx, folder.id);
  eachCached(e, uids, changedSince, (i) => visit(e.uids[i], e.modseqs[i], e.sizes[i], flagsTextAt(e, i)));
}

/** The cache entry's index of each of `uids` it has (and that changed since `changedSince`), ascending. */
function eachCached(e: MetaEntry, uids: ArrayLike<number>, changedSince: number | undefined, fn: (i: number) => void) {
  // Both lists ascend: walk them together.
  let i = 0;
  for (let k = 0; k < uids.length; k++) {
    const uid = uids[k];
    while (i < e.count && e.uids[i] < uid) i++;
    if (i >= e.count) break;
    if (e.uids[i] !== uid) continue;
    if (changedSince !== undefined && e.modseqs[i] <= changedSince) continue;
    fn(i);
  }
}

/** Flags, MODSEQ, date and size from the shared metadata cache: no rows read when nothing changed. */
async function fetchMeta(
  ctx: StoreContext,
  folder: OpenedFolder,
  uids: ArrayLike<number>,
  changedSince?: number,
): Promise<CachedMessage[]> {
  const e = await ctx.meta.get(ctx, folder.id);
  const out: CachedMessage[] = [];
  eachCached(e, uids, changedSince, (i) => out.push(new CachedMessage(e, i)));
  return out;
}

export async function fetchRaw(ctx: StoreContext, folder: OpenedFolder, uid: number): Promise<Buffer> {
  const r = await rows(
    ctx.pool,
    "SELECT b.data FROM message m LEFT JOIN blob b ON b.id = m.blob_id WHERE m.folder_id = $1 AND m.uid = $2",
    [folder.id, uid],
  );
  if (!r.length) throw new StoreError("expungeIssued", "Message was expunged");
  if (r[0][0] != null) return r[0][0] as Buffer;
  // A backend message whose body was never downloaded (or was evicted from
  // the cache): the sync engine fetches it, stores it, and hands it back.
  if (ctx.remote) return ctx.remote.fetchBody(folder.id, uid);
  throw new StoreError("unavailable", "Message body is not available right now");
}

/** Lock a folder row and return its allocation state. */
export async function lockFolder(c: pg.PoolClient, folderId: number) {
  const r = await c.query({
    text: "SELECT uid_validity, uid_next, highest_modseq FROM folder WHERE id = $1 FOR UPDATE",
    values: [folderId],
    rowMode: "array",
  });
  if (!r.rowCount) throw new StoreError("nonexistent", "Mailbox was deleted");
  const [uidValidity, uidNext, highestModseq] = r.rows[0];
  return { uidValidity: int(uidValidity), uidNext: int(uidNext), highestModseq: int(highestModseq) };
}

async function lockFolderByName(c: pg.PoolClient, ctx: StoreContext, name: string) {
  const r = await c.query({
    text: "SELECT id, no_select FROM folder WHERE mailbox_id = $1 AND name = $2",
    values: [ctx.mailboxId, normalizeName(name)],
    rowMode: "array",
  });
  // RFC 3501 §6.4.7/§6.3.11: the client may CREATE it and retry.
  if (!r.rowCount || r.rows[0][1]) throw new StoreError("nonexistent", "Mailbox doesn't exist", "TRYCREATE");
  return int(r.rows[0][0]);
}

export async function store(
  ctx: StoreContext,
  folder: OpenedFolder,
  uids: ArrayLike<number>,
  req: StoreRequest,
): Promise<StoreResult> {
  if (!uids.length) return { changed: [], modified: [], unchanged: [] };
  const split = splitFlags(req.flags);
  const { set, changes } = storeSql(req.mode, split, "$3");
  const list = toIntArray(uids);
  const result = await withTx(ctx.pool, async (c) => {
    const f = await lockFolder(c, folder.id);
    const modseq = f.highestModseq + 1;
    const params: unknown[] = [folder.id, list, split.keywords, modseq];
    let guard = "";
    if (req.unchangedSince !== undefined) {
      params.push(req.unchangedSince);
      guard = " AND m.modseq <= $5";
    }
    // For a backend mailbox the change goes to the backend as a delta
    // (what was added, what removed), so the flags before are needed too.
    const before = ctx.remote
      ? await c.query({
          text: `SELECT m.uid, ${FLAGS_SELECT} FROM message m WHERE m.folder_id = $1 AND m.uid = ANY($2::int[]) FOR UPDATE`,
          values: [folder.id, list],
          rowMode: "array",
        })
      : null;
    const updated = await c.query({
      text: `UPDATE message m SET ${set}, modseq = $4${ctx.remote ? ", local_dirty = true" : ""}
             WHERE m.folder_id = $1 AND m.uid = ANY($2::int[]) AND ${changes}${guard}
             RETURNING m.uid, m.modseq, ${FLAGS_SELECT}`,
      values: params,
      rowMode: "array",
    });
    const changed: MessageFlags[] = updated.rows.map((row: unknown[]) => ({
      uid: row[0] as number,
      modseq: int(row[1]),
      flags: flagsFromRow(row, 2),
    }));
    if (changed.length) await c.query("UPDATE folder SET highest_modseq = $2 WHERE id = $1", [folder.id, modseq]);
    if (ctx.remote && before && changed.length) {
      const old = new Map(before.rows.map((row: unknown[]) => [row[0] as number, flagsFromRow(row, 1)]));
      for (const op of flagDeltas(changed, old))
        await queueOp(c, ctx.mailboxId, { kind: "flags", folderId: folder.id, ...op });
    }
    const changedSet = new Set(changed.map((m) => m.uid));
    const rest = list.filter((u) => !changedSet.has(u));
    const others = rest.length
      ? await c.query({
          text: `SELECT m.uid, m.modseq, ${FLAGS_SELECT} FROM message m WHERE m.folder_id = $1 AND m.uid = ANY($2::int[]) ORDER BY m.uid`,
          values: [folder.id, rest],
          rowMode: "array",
        })
      : { rows: [] as unknown[][] };
    const modified: number[] = [];
    const unchanged: MessageFlags[] = [];
    for (const row of others.rows as unknown[][]) {
      const m = { uid: row[0] as number, modseq: int(row[1]), flags: flagsFromRow(row, 2) };
      // RFC 7162 §3.2: a message changed since UNCHANGEDSINCE is MODIFIED,
      // unless the store would not have changed it anyway.
      if (req.unchangedSince !== undefined && m.modseq > req.unchangedSince && wouldChange(req, m.flags))
        modified.push(m.uid);
      else unchanged.push(m);
    }
    return { changed, modified, unchanged, modseq: changed.length ? modseq : 0 };
  });
  if (result.modseq) ctx.bus.publish(folder.id, result.modseq);
  if (result.modseq && ctx.remote) ctx.remote.opsQueued();
  return { changed: result.changed, modified: result.modified, unchanged: result.unchanged };
}

/** Group changed messages by the same (added, removed) flags: one pending op per group. */
function flagDeltas(
  changed: MessageFlags[],
  old: Map<number, string[]>,
): Array<{ uids: number[]; add: string[]; remove: string[] }> {
  const groups = new Map<string, { uids: number[]; add: string[]; remove: string[] }>();
  for (const m of changed) {
    const was = new Set(old.get(m.uid) ?? []);
    const now = new Set(m.flags);
    const add = m.flags.filter((f) => !was.has(f)).sort();
    const remove = [...was].filter((f) => !now.has(f)).sort();
    const key = `${add.join(" ")}|${remove.join(" ")}`;
    const g = groups.get(key) ?? { uids: [], add, remove };
    g.uids.push(m.uid);
    groups.set(key, g);
  }
  return [...groups.values()];
}

function wouldChange(req: StoreRequest, current: string[]): boolean {
  const cur = new Set(current.map((f) => f.toLowerCase()));
  const want = req.flags.map((f) => f.toLowerCase());
  if (req.mode === "add") return want.some((f) => !cur.has(f));
  if (req.mode === "remove") return want.some((f) => cur.has(f));
  return want.length !== cur.size || want.some((f) => !cur.has(f));
}

async function copyInto(
  c: pg.PoolClient,
  srcId: number,
  list: number[],
  destId: number,
): Promise<{ pairs: Array<[number, number]>; refs: Array<string | null>; uidValidity: number; modseq: number }> {
  // Lock in id order so a MOVE A→B and a MOVE B→A cannot deadlock.
  let d = { uidValidity: 0, uidNext: 0, highestModseq: 0 };
  for (const id of [...new Set([srcId, destId])].sort((a, b) => a - b)) {
    const state = await lockFolder(c, id);
    if (id === destId) d = state;
  }
  const src = await c.query({
    text: "SELECT uid, backend_ref FROM message WHERE folder_id = $1 AND uid = ANY($2::int[]) ORDER BY uid",
    values: [srcId, list],
    rowMode: "array",
  });
  const srcUids = src.rows.map((r: unknown[]) => r[0] as number);
  const refs = src.rows.map((r: unknown[]) => r[1] as string | null);
  if (!srcUids.length) return { pairs: [], refs: [], uidValidity: d.uidValidity, modseq: 0 };
  const modseq = d.highestModseq + 1;
  const firstUid = d.uidNext;
  // New UIDs in source order: uid_next, uid_next+1, … (COPYUID pairs them).
  await c.query(
    `INSERT INTO message (folder_id, uid, modseq, seen, answered, flagged, deleted, draft, keywords,
                          internal_date, size, envelope, body_structure, message_id, blob_id, header, backend_ref)
     SELECT $3, $4 + (row_number() OVER (ORDER BY uid))::int - 1, $5, seen, answered, flagged, deleted, draft, keywords,
            internal_date, size, envelope, body_structure, message_id, blob_id, header, NULL
     FROM message WHERE folder_id = $1 AND uid = ANY($2::int[])`,
    [srcId, srcUids, destId, firstUid, modseq],
  );
  await c.query("UPDATE folder SET uid_next = $2, highest_modseq = $3 WHERE id = $1", [
    destId,
    firstUid + srcUids.length,
    modseq,
  ]);
  return {
    pairs: srcUids.map((u: number, i: number) => [u, firstUid + i] as [number, number]),
    refs,
    uidValidity: d.uidValidity,
    modseq,
  };
}

/** The pending op that carries a phone's COPY or MOVE to the backend. */
function copyOp(
  kind: "copy" | "move",
  srcFolderId: number,
  destFolderId: number,
  r: { pairs: Array<[number, number]>; refs: Array<string | null> },
) {
  return {
    kind,
    srcFolderId,
    srcRefs: r.refs,
    srcUids: r.pairs.map((p) => p[0]),
    destFolderId,
    destUids: r.pairs.map((p) => p[1]),
  } as const;
}

export async function copy(
  ctx: StoreContext,
  folder: OpenedFolder,
  uids: ArrayLike<number>,
  dest: string,
): Promise<CopyResult> {
  const list = toIntArray(uids);
  const r = await withTx(ctx.pool, async (c) => {
    const destId = await lockFolderByName(c, ctx, dest);
    const copied = await copyInto(c, folder.id, list, destId);
    if (ctx.remote && copied.pairs.length) await queueOp(c, ctx.mailboxId, copyOp("copy", folder.id, destId, copied));
    return { destId, ...copied };
  });
  if (r.modseq) ctx.bus.publish(r.destId, r.modseq);
  if (r.modseq && ctx.remote) ctx.remote.opsQueued();
  return { uidValidity: r.uidValidity, pairs: r.pairs };
}

export async function move(
  ctx: StoreContext,
  folder: OpenedFolder,
  uids: ArrayLike<number>,
  dest: string,
): Promise<CopyResult> {
  const list = toIntArray(uids);
  const r = await withTx(ctx.pool, async (c) => {
    const destId = await lockFolderByName(c, ctx, dest);
    if (destId === folder.id) throw new StoreError("notPossible", "Source and destination are the same mailbox");
    const copied = await copyInto(c, folder.id, list, destId);
    const expunged = await expungeUids(
      c,
      folder.id,
      copied.pairs.map((p) => p[0]),
      false,
    );
    if (ctx.remote && copied.pairs.length) await queueOp(c, ctx.mailboxId, copyOp("move", folder.id, destId, copied));
    return { destId, ...copied, srcModseq: expunged.modseq };
  });
  if (r.modseq) ctx.bus.publish(r.destId, r.modseq);
  if (r.srcModseq) ctx.bus.publish(folder.id, r.srcModseq);
  if (r.modseq && ctx.remote) ctx.remote.opsQueued();
  return { uidValidity: r.uidValidity, pairs: r.pairs };
}

/** Remove messages and log them for QRESYNC, under the folder lock, with one new MODSEQ. */
async function expungeUids(
  c: pg.PoolClient,
  folderId: number,
  uids: number[] | null,
  onlyDeleted: boolean,
): Promise<{ uids: number[]; refs: string[]; messageIds: Array<string | null>; modseq: number }> {
  const f = await lockFolder(c, folderId);
  const modseq = f.highestModseq + 1;
  const conds = ["folder_id = $1"];
  const params: unknown[] = [folderId];
  if (onlyDeleted) conds.push("deleted");
  if (uids) {
    params.push(uids);
    conds.push(`uid = ANY($${params.length}::int[])`);
  }
  const del = await c.query({
    text: `DELETE FROM message WHERE ${conds.join(" AND ")} RETURNING uid, backend_ref, message_id`,
    values: params,
    rowMode: "array",
  });
  const gone = del.rows.map((r: unknown[]) => r[0] as number).sort((a: number, b: number) => a - b);
  const withRef = del.rows.filter((r: unknown[]) => !!r[1]);
  const refs = withRef.map((r: unknown[]) => r[1] as string);
  const messageIds = withRef.map((r: unknown[]) => (r[2] as string | null) ?? null);
  if (!gone.length) return { uids: [], refs: [], messageIds: [], modseq: 0 };
  await c.query(
    `INSERT INTO expunge_log (folder_id, uid, modseq) SELECT $1, u, $3 FROM unnest($2::int[]) u
     ON CONFLICT (folder_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq`,
    [folderId, gone, modseq],
  );
  await c.query("UPDATE folder SET highest_modseq = $2 WHERE id = $1", [folderId, modseq]);
  return { uids: gone, refs, messageIds, modseq };
}

export async function expunge(ctx: StoreContext, folder: OpenedFolder, uids?: ArrayLike<number>): Promise<number[]> {
  const r = await withTx(ctx.pool, async (c) => {
    const done = await expungeUids(c, folder.id, uids ? toIntArray(uids) : null, true);
    // Messages not at the backend yet need no op: their own pending op
    // (append, copy) finds the row gone and does nothing.
    if (ctx.remote && done.refs.length) {
      if (ctx.folderless)
        await queueOp(
          c,
          ctx.mailboxId,
          { kind: "expunge", folderId: folder.id, refs: done.refs, messageIds: done.messageIds },
          POP3_DELETE_GRACE_MS,
        );
      else await queueOp(c, ctx.mailboxId, { kind: "expunge", folderId: folder.id, refs: done.refs });
    }
    return done;
  });
  if (r.modseq) ctx.bus.publish(folder.id, r.modseq);
  if (r.modseq && ctx.remote) ctx.remote.opsQueued();
  return r.uids;
}

export async function append(
  ctx: StoreContext,
  name: string,
  given: Buffer,
  opts: { flags: string[]; internalDate?: Date },
): Promise<AppendResult> {
  // Stored with CRLF line ends, so RFC822.SIZE, BODYSTRUCTURE sizes and
  // section bytes agree with what every client counts.
  const raw = toCrlf(given);
  const analysis = ctx.analyze(raw);
  const blobId = createHash("sha256").update(raw).digest("hex");
  const split = splitFlags(opts.flags);
  const r = await withTx(ctx.pool, async (c) => {
    const folderId = await lockFolderByName(c, ctx, name);
    // Content-addressed: the same message appended twice is stored once.
    await c.query(
      `INSERT INTO blob (id, size, header_size, data) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET last_used_at = now()`,
      [blobId, raw.length, analysis.headerSize, raw],
    );
    const f = await lockFolder(c, folderId);
    const uid = f.uidNext;
    const modseq = f.highestModseq + 1;
    const ref = ctx.folderless ? await takeBackDelete(c, ctx.mailboxId, analysis.messageId) : null;
    await c.query(
      `INSERT INTO message (folder_id, uid, modseq, seen, answered, flagged, deleted, draft, keywords,
                            internal_date, size, envelope, body_structure, message_id, blob_id, backend_ref)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [
        folderId,
        uid,
        modseq,
        split.system.has("seen"),
        split.system.has("answered"),
        split.system.has("flagged"),
        split.system.has("deleted"),
        split.system.has("draft"),
        [...new Set(split.keywords)],
        opts.internalDate ?? new Date(),
        raw.length,
        JSON.stringify(analysis.envelope),
        JSON.stringify(analysis.bodyStructure),
        analysis.messageId,
        blobId,
        ref,
      ],
    );
    await c.query("UPDATE folder SET uid_next = $2, highest_modseq = $3 WHERE id = $1", [folderId, uid + 1, modseq]);
    // A folderless backend takes no uploads: the message is Postern's own.
    if (ctx.remote && !ctx.folderless) await queueOp(c, ctx.mailboxId, { kind: "append", folderId, uid });
    return { folderId, uidValidity: f.uidValidity, uid, modseq };
  });
  ctx.bus.publish(r.folderId, r.modseq);
  ctx.remote?.opsQueued();
  return { uidValidity: r.uidValidity, uid: r.uid };
}

export async function changes(ctx: StoreContext, folder: OpenedFolder, since: number): Promise<FolderChanges> {
  const r = await rows(
    ctx.pool,
    `SELECT f.highest_modseq, f.uid_next,
       CASE WHEN f.highest_modseq > $2 THEN
         (SELECT coalesce(json_agg(json_build_array(m.uid, m.modseq, m.seen, m.answered, m.flagged, m.deleted, m.draft, m.keywords) ORDER BY m.uid), '[]')
          FROM message m WHERE m.folder_id = f.id AND m.modseq > $2) END,
       CASE WHEN f.highest_modseq > $2 THEN
         (SELECT coalesce(array_agg(e.uid ORDER BY e.uid), '{}') FROM expunge_log e WHERE e.folder_id = f.id AND e.modseq > $2) END
     FROM folder f WHERE f.id = $1`,
    [folder.id, since],
  );
  if (!r.length) throw new StoreError("nonexistent", "Mailbox was deleted");
  const [highest, uidNext, changed, expunged] = r[0];
  return {
    highestModseq: int(highest),
    uidNext: int(uidNext),
    changed: ((changed as unknown[][] | null) ?? []).map((row) => ({
      uid: row[0] as number,
      modseq: int(row[1]),
      flags: flagsFromRow(row, 2),
    })),
    expunged: (expunged as number[] | null) ?? [],
  };
}

export async function vanished(
  ctx: StoreContext,
  folder: OpenedFolder,
  since: number,
  within?: Array<[number, number]>,
): Promise<number[]> {
  const params: unknown[] = [folder.id, since];
  let extra = "";
  if (within) {
    // Ranges, not lists: a client's known-UID set (1:4294967295) is never expanded.
    params.push(
      within.map((r) => r[0]),
      within.map((r) => r[1]),
    );
    extra = " AND EXISTS (SELECT 1 FROM unnest($3::bigint[], $4::bigint[]) r(lo, hi) WHERE uid BETWEEN r.lo AND r.hi)";
  }
  const r = await rows(
    ctx.pool,
    `SELECT uid FROM expunge_log WHERE folder_id = $1 AND modseq > $2${extra} ORDER BY uid`,
    params,
  );
  return r.map((x) => x[0] as number);
}

/**
 * Filing by upload on a POP3 mailbox (delete from INBOX, APPEND to a
 * folder — how mbsync and other Maildir syncers move mail): when a delete
 * of a message with this Message-ID is still waiting to be sent, and the
 * backend keeps filed mail on the server (the default), the delete is taken
 * back and the uploaded copy is bound to the server's message — exactly as
 * if it had been MOVEd. Returns that message's ref.
 */
async function takeBackDelete(c: pg.PoolClient, mailboxId: string, messageId: string | null): Promise<string | null> {
  if (!messageId) return null;
  const r = await c.query(
    `SELECT p.id, p.payload FROM pending_op p
     JOIN mailbox m ON m.id = p.mailbox_id JOIN backend b ON b.id = m.backend_id
     WHERE p.mailbox_id = $1 AND p.kind = 'expunge' AND p.state = 'pending'
       AND p.payload->'messageIds' @> jsonb_build_array($2::text)
       AND coalesce((b.options->>'pop3LeaveOnServer')::boolean, true)
     ORDER BY p.id LIMIT 1 FOR UPDATE OF p`,
    [mailboxId, messageId],
  );
  if (!r.rowCount) return null;
  const op = r.rows[0].payload as Extract<OpPayload, { kind: "expunge" }>;
  const i = (op.messageIds ?? []).indexOf(messageId);
  const ref = op.refs[i];
  if (i < 0 || !ref) return null;
  const refs = op.refs.filter((_, j) => j !== i);
  const messageIds = (op.messageIds ?? []).filter((_, j) => j !== i);
  if (refs.length)
    await c.query("UPDATE pending_op SET payload = $2, updated_at = now() WHERE id = $1", [
      r.rows[0].id,
      JSON.stringify({ ...op, refs, messageIds }),
    ]);
  else await c.query("DELETE FROM pending_op WHERE id = $1", [r.rows[0].id]);
  return ref;
}
