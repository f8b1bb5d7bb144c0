// What changed in a folder since a cursor (UIDVALIDITY, UIDNEXT,
// HIGHESTMODSEQ). The folder is EXAMINEd (read-only: no \Recent claimed, no
// flag touched) and everything is read against that snapshot:
//
// - added: UIDs from the cursor's UIDNEXT up to the snapshot's, with full
//   metadata (all messages when there is no cursor or UIDVALIDITY changed);
// - changed and removed, by what the server offers:
//   QRESYNC     UID FETCH 1:n (FLAGS) (CHANGEDSINCE m VANISHED): the changed
//               flags, and the exact UIDs expunged since m (RFC 7162 §3.2.6);
//   CONDSTORE   the same without VANISHED, plus UID SEARCH ALL: the server
//               cannot list expunges, so `present` carries every ref there is;
//   neither     UID FETCH 1:n (FLAGS) of every known message: all of them as
//               `changed`, and `present` as above.
//   (n = cursor UIDNEXT - 1: newer messages are in `added`.)
//
// The new cursor is the snapshot's: a change made while the sync ran has a
// higher MODSEQ or UID and is reported (again) next time.
import type { FetchMessageObject, ImapFlow } from "imapflow";
import type { FolderCursor, FolderSync, RemoteMessage } from "../types.ts";
import { storeError } from "./errors.ts";
import { fetchMetadata, mergeRow, remoteFlags } from "./metadata.ts";
import { formatRef, toNumber } from "./refs.ts";

export interface SyncOptions {
  onProgress?: (done: number, total: number) => void;
  /** New messages in batches as they are read (then `added` stays empty). */
  onMessages?: (batch: RemoteMessage[]) => Promise<void>;
}

interface Snapshot {
  path: string;
  uidValidity: number;
  /** UIDNEXT at EXAMINE; 0 when the server did not say. */
  uidNext: number;
  /** HIGHESTMODSEQ when CONDSTORE is usable for this folder. */
  highestModseq?: number;
}

async function examine(client: ImapFlow, folderRef: string): Promise<Snapshot> {
  const box = await client.mailboxOpen(folderRef, { readOnly: true });
  const modseq = box.highestModseq;
  // FolderCursor holds a number: a MODSEQ past 2^53 would be rounded, and a rounded
  // CHANGEDSINCE can miss changes, so such a folder is synced as if without CONDSTORE.
  const usable =
    client.enabled.has("CONDSTORE") &&
    !box.noModseq &&
    modseq !== undefined &&
    modseq <= BigInt(Number.MAX_SAFE_INTEGER);
  return {
    path: box.path,
    uidValidity: toNumber(box.uidValidity),
    uidNext: box.uidNext || 0,
    highestModseq: usable ? Number(modseq) : undefined,
  };
}

/** UIDs matching `range` (a UID set, or all), ascending. */
export async function searchUids(client: ImapFlow, range: string | null): Promise<number[]> {
  const found = await client.search(range ? { uid: range } : { all: true }, { uid: true });
  if (!Array.isArray(found)) throw storeError("notPossible", `UID SEARCH ${range ?? "ALL"} refused`);
  return found.sort((a, b) => a - b);
}

/** UID → flags of the messages in `range`, changed since `changedSince` when given. */
async function fetchFlags(client: ImapFlow, range: string, changedSince?: number): Promise<Map<number, string[]>> {
  const rows = new Map<number, FetchMessageObject>();
  for await (const m of client.fetch(range, { uid: true, flags: true }, { uid: true, changedSince })) {
    if (m.flags) mergeRow(rows, m);
  }
  const out = new Map<number, string[]>();
  for (const [uid, m] of rows) out.set(uid, remoteFlags(m.flags));
  return out;
}

export async function syncFolder(
  client: ImapFlow,
  folderRef: string,
  cursor: FolderCursor | null,
  opts: SyncOptions = {},
): Promise<FolderSync> {
  const snap = await examine(client, folderRef);
  // UIDNEXT going backwards under the same UIDVALIDITY breaks RFC 3501 §2.3.1.1; UIDs may
  // have been reused, so nothing the cursor knows can be trusted: re-map as after a reset.
  const broken = cursor !== null && snap.uidNext > 0 && snap.uidNext < cursor.uidNext;
  const reset = cursor !== null && (cursor.uidValidity !== snap.uidValidity || broken);
  const full = cursor === null || reset;
  const from = full ? 1 : cursor.uidNext;
  const known = from - 1;

  const added: RemoteMessage[] = [];
  const changed: Array<{ ref: string; flags: string[] }> = [];
  const removed: string[] = [];
  let present: Set<string> | undefined;
  const ref = (uid: number) => formatRef(snap.uidValidity, uid);
  // Only UIDs below the snapshot's UIDNEXT: later ones are the next sync's.
  const inSnapshot = (uid: number) => uid >= from && (snap.uidNext === 0 || uid < snap.uidNext);

  // With QRESYNC enabled every expunge arrives as VANISHED, with UIDs: both the
  // (EARLIER) answer to CHANGEDSINCE and any that happen while we are selected.
  const vanished = new Set<number>();
  const onExpunge = (ev: { path: string; uid?: number }) => {
    if (ev.uid && ev.path === snap.path) vanished.add(ev.uid);
  };
  client.on("expunge", onExpunge);
  let newUids: number[];
  try {
    const qresync = client.enabled.has("QRESYNC");
    const modseq = !full && cursor.highestModseq !== undefined ? cursor.highestModseq : undefined;
    // A cursor MODSEQ above the server's (restored from a backup) would hide changes.
    const incremental =
      modseq !== undefined && snap.highestModseq !== undefined && modseq <= snap.highestModseq && modseq > 0;
    if (full) {
      newUids = (await searchUids(client, null)).filter(inSnapshot);
    } else if (incremental && qresync) {
      const mayHaveNew = snap.uidNext === 0 || snap.uidNext > from;
      newUids = mayHaveNew ? (await searchUids(client, `${from}:*`)).filter(inSnapshot) : [];
      if (known > 0) {
        for (const [uid, flags] of await fetchFlags(client, `1:${known}`, modseq)) {
          if (uid <= known) changed.push({ ref: ref(uid), flags });
        }
      }
      for (const uid of [...vanished].sort((a, b) => a - b)) if (uid <= known) removed.push(ref(uid));
    } else {
      const all = await searchUids(client, null);
      newUids = all.filter(inSnapshot);
      present = new Set(all.filter((uid) => uid < from || inSnapshot(uid)).map(ref));
      if (known > 0) {
        for (const [uid, flags] of await fetchFlags(client, `1:${known}`, incremental ? modseq : undefined)) {
          if (uid <= known) changed.push({ ref: ref(uid), flags });
        }
      }
    }
  } finally {
    client.off("expunge", onExpunge);
  }

  await fetchMetadata(client, snap.uidValidity, newUids, async (batch, done) => {
    if (present) for (const m of batch) present.add(m.ref);
    if (opts.onMessages) await opts.onMessages(batch);
    else for (const m of batch) added.push(m);
    opts.onProgress?.(done, newUids.length);
  });
  const maxUid = newUids.length ? newUids[newUids.length - 1] : 0;

  return {
    cursor: {
      uidValidity: snap.uidValidity,
      uidNext: Math.max(snap.uidNext, maxUid + 1, full ? 1 : cursor.uidNext),
      highestModseq: snap.highestModseq,
    },
    reset,
    added,
    changed,
    removed,
    present,
  };
}
