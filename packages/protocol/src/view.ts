// A selected session's view of its folder: the UID of every message by
// sequence number, held as runs (uid-list.ts) — no per-session copy of flags
// or anything else, since thousands of phones sit selected in IDLE. Changes
// made by others are folded in only when RFC 3501 §7.4.1 allows.
import type { OpenedFolder } from "./store.ts";
import { UidList } from "./uid-list.ts";

export class SelectedView {
  readonly folder: OpenedFolder;
  readonly readOnly: boolean;
  private list: UidList;
  /** A flat copy of the UIDs for the command being answered; dropped between commands. */
  private flat: Uint32Array | null = null;
  /** Highest MODSEQ whose changes this session has taken in. */
  knownModseq: number;
  /** Messages this session reports as \Recent. */
  readonly recent: Set<number>;
  /** Expunged in the store, not yet reported (an EXPUNGE was not allowed at the time). */
  readonly pendingExpunge = new Set<number>();
  /** Flag changes this session reported itself (its own STORE), uid → MODSEQ, to avoid echoing them. */
  readonly ownChanges = new Map<number, number>();
  /** Set by the change bus; cleared by the next poll. */
  dirty = false;
  unwatch: (() => void) | null = null;

  constructor(folder: OpenedFolder) {
    this.folder = folder;
    this.readOnly = folder.readOnly;
    this.list = UidList.from(folder.uids);
    // The store's array is not kept: the runs replace it.
    folder.uids = new Uint32Array(0);
    this.knownModseq = folder.highestModseq;
    this.recent = new Set(folder.recent);
  }

  get exists(): number {
    return this.list.length;
  }

  /** The UIDs, ascending; index i is sequence number i + 1. Valid until the next change. */
  get uids(): Uint32Array {
    this.flat ??= this.list.toArray();
    return this.flat;
  }

  /** Forget the flat copy (after each command, so idle sessions hold only runs). */
  releaseFlat(): void {
    this.flat = null;
  }

  get lastUid(): number {
    return this.list.last;
  }

  uidAt(seq: number): number {
    return this.list.at(seq);
  }

  /** Sequence number of a UID, or 0 when not in the view. */
  seqOf(uid: number): number {
    return this.list.seqOf(uid);
  }

  /** Add UIDs above the current last one (new mail). */
  append(uids: number[]): void {
    for (const u of uids) this.list.push(u);
    if (uids.length) this.flat = null;
  }

  /** Remove a UID; returns the sequence number it had (0 if absent). */
  remove(uid: number): number {
    const seq = this.list.remove(uid);
    if (seq) this.flat = null;
    this.recent.delete(uid);
    this.ownChanges.delete(uid);
    return seq;
  }
}
