// Folder operations on the index: the hierarchy, STATUS, SELECT.
import { type FolderInfo, type FolderStatus, type OpenedFolder, StoreError } from "@postern/protocol";
import { queueOp } from "../sync/ops.ts";
import type { StoreContext } from "./context.ts";
import { DELIMITER, normalizeName, parents } from "./names.ts";
import { int, rows, withTx } from "./sql.ts";

export async function listFolders(ctx: StoreContext): Promise<FolderInfo[]> {
  const r = await rows(
    ctx.pool,
    "SELECT name, special_use, subscribed, no_select FROM folder WHERE mailbox_id = $1 ORDER BY name",
    [ctx.mailboxId],
  );
  return r.map(([name, specialUse, subscribed, noSelect]) => ({
    name: name as string,
    specialUse: specialUse as string | null,
    subscribed: subscribed as boolean,
    noSelect: noSelect as boolean,
  }));
}

/** Two sessions creating or renaming to one name at once: the loser hears ALREADYEXISTS, not SERVERBUG. */
async function uniqueName<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if ((err as { code?: string }).code === "23505") throw new StoreError("alreadyExists", "Mailbox already exists");
    throw err;
  }
}

export async function createFolder(
  ctx: StoreContext,
  rawName: string,
  opts: { specialUse?: string } = {},
): Promise<void> {
  const name = normalizeName(rawName);
  await uniqueName(
    withTx(ctx.pool, async (c) => {
      const existing = await c.query("SELECT no_select FROM folder WHERE mailbox_id = $1 AND name = $2 FOR UPDATE", [
        ctx.mailboxId,
        name,
      ]);
      if (existing.rowCount) {
        // A \Noselect placeholder becomes a real folder; anything else already exists.
        if (!existing.rows[0].no_select) throw new StoreError("alreadyExists", "Mailbox already exists");
        await c.query("UPDATE folder SET no_select = false WHERE mailbox_id = $1 AND name = $2", [ctx.mailboxId, name]);
        return;
      }
      // RFC 3501 §6.3.3: superior names are created as needed.
      for (const parent of parents(name)) {
        await c.query(
          `INSERT INTO folder (mailbox_id, name, uid_validity, subscribed)
         VALUES ($1, $2, nextval('uid_validity_seq'), false) ON CONFLICT (mailbox_id, name) DO NOTHING`,
          [ctx.mailboxId, parent],
        );
      }
      await c.query(
        `INSERT INTO folder (mailbox_id, name, uid_validity, special_use, subscribed)
       VALUES ($1, $2, nextval('uid_validity_seq'), $3, false)`,
        [ctx.mailboxId, name, opts.specialUse ?? null],
      );
      if (ctx.remote) await queueOp(c, ctx.mailboxId, { kind: "folder_create", name });
    }),
  );
  ctx.remote?.opsQueued();
}

export async function deleteFolder(ctx: StoreContext, rawName: string): Promise<void> {
  const name = normalizeName(rawName);
  if (name === "INBOX") throw new StoreError("notPossible", "INBOX cannot be deleted");
  await withTx(ctx.pool, async (c) => {
    const f = await c.query("SELECT id FROM folder WHERE mailbox_id = $1 AND name = $2 FOR UPDATE", [
      ctx.mailboxId,
      name,
    ]);
    if (!f.rowCount) throw new StoreError("nonexistent", "Mailbox doesn't exist");
    const children = await c.query("SELECT 1 FROM folder WHERE mailbox_id = $1 AND name LIKE $2 LIMIT 1", [
      ctx.mailboxId,
      `${escapeLike(name)}${DELIMITER}%`,
    ]);
    // As Dovecot does: a folder with children is not deleted (RFC 3501 would
    // leave it \Noselect, which confuses phones more than a clear NO).
    if (children.rowCount) throw new StoreError("hasChildren", "Mailbox has children, delete them first");
    await c.query("DELETE FROM folder WHERE id = $1", [f.rows[0].id]);
    if (ctx.remote) await queueOp(c, ctx.mailboxId, { kind: "folder_delete", name, ref: f.rows[0].backend_ref });
    ctx.bus.publish(f.rows[0].id, Number.MAX_SAFE_INTEGER);
  });
  ctx.remote?.opsQueued();
}

export async function renameFolder(ctx: StoreContext, rawFrom: string, rawTo: string): Promise<void> {
  const from = normalizeName(rawFrom);
  const to = normalizeName(rawTo);
  if (to === "INBOX") throw new StoreError("alreadyExists", "INBOX already exists");
  if (to === from) throw new StoreError("alreadyExists", "Mailbox already exists");
  if (from !== "INBOX" && to.startsWith(`${from}${DELIMITER}`)) {
    throw new StoreError("notPossible", "Cannot rename a mailbox under itself");
  }
  await uniqueName(
    withTx(ctx.pool, async (c) => {
      const src = await c.query("SELECT id FROM folder WHERE mailbox_id = $1 AND name = $2 FOR UPDATE", [
        ctx.mailboxId,
        from,
      ]);
      if (!src.rowCount) throw new StoreError("nonexistent", "Mailbox doesn't exist");
      const dst = await c.query("SELECT 1 FROM folder WHERE mailbox_id = $1 AND (name = $2 OR name LIKE $3) LIMIT 1", [
        ctx.mailboxId,
        to,
        `${escapeLike(to)}${DELIMITER}%`,
      ]);
      if (dst.rowCount) throw new StoreError("alreadyExists", "Mailbox already exists");
      for (const parent of parents(to)) {
        await c.query(
          `INSERT INTO folder (mailbox_id, name, uid_validity, subscribed)
         VALUES ($1, $2, nextval('uid_validity_seq'), false) ON CONFLICT (mailbox_id, name) DO NOTHING`,
          [ctx.mailboxId, parent],
        );
      }
      if (from === "INBOX") {
        // RFC 3501 §6.3.5: renaming INBOX moves its messages to the new name
        // and leaves an empty INBOX; its children stay where they are. The
        // row (with its UIDVALIDITY and UIDs) becomes the new folder, and a
        // fresh INBOX with a new UIDVALIDITY takes its place.
        await c.query("UPDATE folder SET name = $2, special_use = NULL WHERE id = $1", [src.rows[0].id, to]);
        await c.query(
          `INSERT INTO folder (mailbox_id, name, uid_validity, subscribed) VALUES ($1, 'INBOX', nextval('uid_validity_seq'), true)`,
          [ctx.mailboxId],
        );
        if (ctx.remote) await queueOp(c, ctx.mailboxId, { kind: "folder_rename", from, to });
        return;
      }
      await c.query(
        `UPDATE folder SET name = $3 || substr(name, length($2) + 1)
       WHERE mailbox_id = $1 AND (name = $2 OR name LIKE $4)`,
        [ctx.mailboxId, from, to, `${escapeLike(from)}${DELIMITER}%`],
      );
      if (ctx.remote) await queueOp(c, ctx.mailboxId, { kind: "folder_rename", from, to });
    }),
  );
  ctx.remote?.opsQueued();
}

export async function setSubscribed(ctx: StoreContext, rawName: string, subscribed: boolean): Promise<void> {
  const name = normalizeName(rawName);
  const r = await ctx.pool.query("UPDATE folder SET subscribed = $3 WHERE mailbox_id = $1 AND name = $2", [
    ctx.mailboxId,
    name,
    subscribed,
  ]);
  // RFC 3501 allows subscribing to a name that does not exist; phones never
  // need it and a NO tells a typo apart.
  if (!r.rowCount) throw new StoreError("nonexistent", "Mailbox doesn't exist");
}

export async function status(ctx: StoreContext, rawName: string): Promise<FolderStatus> {
  const name = normalizeName(rawName);
  const r = await rows(
    ctx.pool,
    `SELECT f.uid_validity, f.uid_next, f.highest_modseq, f.no_select,
            count(m.uid), count(m.uid) FILTER (WHERE NOT m.seen), count(m.uid) FILTER (WHERE m.uid >= f.first_recent_uid),
            coalesce(sum(m.size), 0)
     FROM folder f LEFT JOIN message m ON m.folder_id = f.id
     WHERE f.mailbox_id = $1 AND f.name = $2
     GROUP BY f.id`,
    [ctx.mailboxId, name],
  );
  if (!r.length) throw new StoreError("nonexistent", "Mailbox doesn't exist");
  const [uidValidity, uidNext, highestModseq, noSelect, messages, unseen, recent, size] = r[0];
  if (noSelect) throw new StoreError("nonexistent", "Mailbox is not selectable");
  return {
    uidValidity: int(uidValidity),
    uidNext: int(uidNext),
    highestModseq: int(highestModseq),
    messages: int(messages),
    unseen: int(unseen),
    recent: int(recent),
    size: int(size),
  };
}

/** Per opened folder: the UID ranges [from, to) this session claimed as \Recent. */
const recentClaims = new WeakMap<OpenedFolder, Array<[number, number]>>();

export async function open(ctx: StoreContext, rawName: string, opts: { readOnly: boolean }): Promise<OpenedFolder> {
  const name = normalizeName(rawName);
  let claim: [number, number] = [0, 0];
  let found: unknown[] | undefined;
  if (!opts.readOnly) {
    // Claim \Recent first (RFC 3501 §2.3.2: one session sees a message as
    // recent): [old first_recent_uid, uid_next) is ours.
    const c = await rows(
      ctx.pool,
      `UPDATE folder f SET first_recent_uid = f.uid_next
       FROM (SELECT id, first_recent_uid FROM folder WHERE mailbox_id = $1 AND name = $2 FOR UPDATE) old
       WHERE f.id = old.id RETURNING f.id, f.uid_validity, f.no_select, old.first_recent_uid, f.uid_next`,
      [ctx.mailboxId, name],
    );
    found = c[0];
    if (found) claim = [int(found[3]), int(found[4])];
  } else {
    const c = await rows(
      ctx.pool,
      "SELECT id, uid_validity, no_select FROM folder WHERE mailbox_id = $1 AND name = $2",
      [ctx.mailboxId, name],
    );
    found = c[0];
  }
  if (!found) throw new StoreError("nonexistent", "Mailbox doesn't exist");
  if (found[2]) throw new StoreError("nonexistent", "Mailbox is not selectable");
  const id = int(found[0]);
  if (name === "INBOX") ctx.remote?.inboxOpened?.();
  // UIDs, flags and HIGHESTMODSEQ from the shared metadata cache: one
  // consistent snapshot, and no rows read when the folder is warm.
  const e = await ctx.meta.get(ctx, id);
  const uids = e.uids.slice(0, e.count);
  let unseen = 0;
  let firstUnseenUid: number | null = null;
  for (let i = 0; i < e.count; i++) {
    if (!(e.bits[i] & 1)) {
      unseen++;
      if (firstUnseenUid === null) firstUnseenUid = e.uids[i];
    }
  }
  const keywords = [...new Set([...e.keywords.values()].flat())];
  const recent: number[] = [];
  if (claim[1] > claim[0]) {
    // UIDs are ascending: walk back from the end while in the claimed range.
    for (let i = uids.length - 1; i >= 0 && uids[i] >= claim[0]; i--) if (uids[i] < claim[1]) recent.push(uids[i]);
    recent.reverse();
  }
  const folder: OpenedFolder = {
    id,
    name,
    uidValidity: int(found[1]),
    uidNext: e.uidNext,
    highestModseq: e.modseq,
    uids,
    recent,
    firstUnseenUid,
    unseen,
    keywords,
    readOnly: opts.readOnly,
  };
  recentClaims.set(folder, [claim]);
  return folder;
}

/**
 * \Recent for UIDs that arrived while the folder was selected: the first
 * session to claim a UID gets it. Claims are ranges, kept per opened folder.
 */
export async function claimRecent(ctx: StoreContext, folder: OpenedFolder, uids: number[]): Promise<number[]> {
  if (folder.readOnly || !uids.length) return [];
  const ranges = recentClaims.get(folder) ?? [];
  const max = Math.max(...uids);
  const c = await rows(
    ctx.pool,
    `UPDATE folder f SET first_recent_uid = $2
     FROM (SELECT id, first_recent_uid FROM folder WHERE id = $1 FOR UPDATE) old
     WHERE f.id = old.id AND old.first_recent_uid <= $2 - 1 RETURNING old.first_recent_uid`,
    [folder.id, max + 1],
  );
  if (c.length) {
    const from = int(c[0][0]);
    const last = ranges[ranges.length - 1];
    if (last && last[1] === from) last[1] = max + 1;
    else ranges.push([from, max + 1]);
  }
  recentClaims.set(folder, ranges);
  return uids.filter((u) => ranges.some(([from, to]) => u >= from && u < to));
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}
