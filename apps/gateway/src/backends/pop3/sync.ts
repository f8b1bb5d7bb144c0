// Syncing a maildrop. POP3 has no cursor and no change log: a session sees
// the messages there were at login, each with a unique-id (UIDL) that stays
// the same across sessions. So a sync lists every UIDL — all of them are
// `present`, and whatever the index holds beyond them is gone — and
// downloads, whole and in message-number order, the ones the index does not
// `know` yet. Flags do not exist; nothing is `changed`.
import type { FolderSync, RemoteMessage, SyncFolderOptions } from "../types.ts";
import type { Pop3Client, UidlEntry } from "./client.ts";
import { MAX_MESSAGE_BYTES, SYNC_BATCH_BYTES, SYNC_BATCH_MESSAGES } from "./limits.ts";
import { toRemoteMessage } from "./message.ts";

export interface SkipLog {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/**
 * POP3 has no UIDVALIDITY or UIDNEXT; this fixed cursor only fills the
 * interface (the engine does not use it for a folderless backend).
 */
export const POP3_CURSOR = { uidValidity: 1, uidNext: 0 };

/** UIDL → message number. RFC 1939 §7 wants unique ids; if a server repeats one, its first message stands for it. */
export function byUid(entries: readonly UidlEntry[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of [...entries].sort((a, b) => a.n - b.n)) if (!out.has(e.uid)) out.set(e.uid, e.n);
  return out;
}

export async function syncMaildrop(
  client: Pop3Client,
  opts: SyncFolderOptions,
  ctx: { log: SkipLog; mailboxId: string; maxMessageBytes?: number },
): Promise<FolderSync> {
  const uids = byUid(await client.uidl());
  const sizes = await client.list();
  const present = new Set(uids.keys());
  const known = opts.known ?? new Set<string>();
  const limit = ctx.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const fresh = [...uids].filter(([uid]) => !known.has(uid)).sort((a, b) => a[1] - b[1]);
  const total = fresh.length;
  const uidOf = new Map(fresh.map(([uid, n]) => [n, uid]));

  const skip = (uid: string, size: number) =>
    ctx.log.warn(
      { mailbox: ctx.mailboxId, where: client.where, uidl: uid, size, limit },
      "POP3 message over the size limit: left on the server, not indexed",
    );
  // LIST says how big each message is: one over the limit is never downloaded.
  const wanted: number[] = [];
  let done = 0;
  for (const [uid, n] of fresh) {
    const size = sizes.get(n) ?? 0;
    if (size > limit) {
      skip(uid, size);
      done++;
    } else wanted.push(n);
  }

  const added: RemoteMessage[] = [];
  let batch: RemoteMessage[] = [];
  let batchBytes = 0;
  let reported = 0;
  // A full batch is handed over while the next one downloads: at most one
  // hand-over in flight and one batch filling, so memory stays at two batches
  // and neither the server nor the index writer waits for the other.
  let writing: Promise<void> | null = null;
  const flush = async () => {
    if (writing) await writing;
    writing = null;
    const at = done;
    if (batch.length) {
      const out = batch;
      batch = [];
      batchBytes = 0;
      if (opts.onMessages) {
        const w: Promise<void> = opts.onMessages(out).then(() => report(at));
        w.catch(() => {}); // awaited by the next flush, which rethrows
        writing = w;
        return;
      }
      for (const m of out) added.push(m);
    }
    report(at);
  };
  const report = (at: number) => {
    if (at > reported) {
      reported = at;
      opts.onProgress?.(at, total);
    }
  };

  await client.retrEach(wanted, async (n, r) => {
    done++;
    const uid = uidOf.get(n)!;
    // LIST's size is the server's estimate; the download itself is bounded too.
    if (r.tooBig !== undefined) skip(uid, r.tooBig);
    else {
      batch.push(toRemoteMessage(uid, r.raw));
      batchBytes += r.raw.length;
    }
    if (batch.length >= SYNC_BATCH_MESSAGES || batchBytes >= SYNC_BATCH_BYTES) await flush();
  });
  await flush();
  if (writing) await writing;

  return { cursor: { ...POP3_CURSOR }, reset: false, added, changed: [], removed: [], present };
}
