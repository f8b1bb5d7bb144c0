// A selected session's view of its folder: the UID of every message by
// sequence number, as a compact growable Uint32Array — no per-session copy of
// flags or anything else (thousands of phones sit selected in IDLE). Changes
// made by others are folded in only when RFC 3501 §7.4.1 allows.
import type { OpenedFolder } from "./store.ts";

export class SelectedView {
  readonly folder: OpenedFolder;
  readonly readOnly: boolean;
  private buf: Uint32Array;
  private len: number;
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
    this.buf = folder.uids;
    this.len = folder.uids.length;
    this.knownModseq = folder.highestModseq;
    this.recent = new Set(folder.recent);
  }

  get exists(): number {
    return this.len;
  }

  /** The UIDs, ascending; index i is sequence number i + 1. Valid until the next change. */
  get uids(): Uint32Array {
    return this.buf.subarray(0, this.len);
  }

  get lastUid(): number {
    return this.len ? this.buf[this.len - 1] : 0;
  }

  uidAt(seq: number): number {
    return seq >= 1 && seq <= this.len ? this.buf[seq - 1] : 0;
  }

  /** Sequence number of a UID, or 0 when not in the view. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.len - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.buf[mid];
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** Add UIDs above the current last one (new mail). */
  append(uids: number[]): void {
    if (!uids.length) return;
    if (this.len + uids.length > this.buf.length || this.buf === this.folder.uids) {
      const next = new Uint32Array(Math.max(16, (this.len + uids.length) * 1.25) | 0);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    for (const u of uids) this.buf[this.len++] = u;
  }

  /** Remove a UID; returns the sequence number it had (0 if absent). */
  remove(uid: number): number {
    const seq = this.seqOf(uid);
    if (!seq) return 0;
    this.buf.copyWithin(seq - 1, seq, this.len);
    this.len--;
    this.recent.delete(uid);
    this.ownChanges.delete(uid);
    return seq;
  }
}
