// The UIDs of a selected folder by sequence number, stored as runs of
// consecutive UIDs. Mailboxes grow by appending and shrink by scattered
// expunges, so a 10,000-message INBOX is typically a handful of runs: an
// idle session costs bytes, not 40 KB (DESIGN.md "Idle connections must be
// cheap"). Lookups are binary searches over the runs.

export class UidList {
  /** Run i covers UIDs starts[i]..ends[i] inclusive. */
  private starts: number[] = [];
  private ends: number[] = [];
  /** Messages before run i; rebuilt lazily after a change. */
  private before: number[] = [];
  private prefixValid = true;
  private count = 0;

  static from(sorted: ArrayLike<number>): UidList {
    const l = new UidList();
    for (let i = 0; i < sorted.length; i++) l.push(sorted[i]);
    return l;
  }

  get length(): number {
    return this.count;
  }

  get last(): number {
    return this.ends.length ? this.ends[this.ends.length - 1] : 0;
  }

  /** Runs held (for tests and memory accounting). */
  get runs(): number {
    return this.starts.length;
  }

  /** Add a UID above every UID held. */
  push(uid: number): void {
    const n = this.ends.length;
    if (n && uid <= this.ends[n - 1]) throw new RangeError(`UID ${uid} is not above ${this.ends[n - 1]}`);
    if (n && uid === this.ends[n - 1] + 1) this.ends[n - 1] = uid;
    else {
      this.before.push(this.count);
      this.starts.push(uid);
      this.ends.push(uid);
    }
    this.count++;
  }

  private prefix(): number[] {
    if (!this.prefixValid) {
      let c = 0;
      for (let i = 0; i < this.starts.length; i++) {
        this.before[i] = c;
        c += this.ends[i] - this.starts[i] + 1;
      }
      this.before.length = this.starts.length;
      this.prefixValid = true;
    }
    return this.before;
  }

  /** Index of the run containing uid, or -1. */
  private runOf(uid: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (uid < this.starts[mid]) hi = mid - 1;
      else if (uid > this.ends[mid]) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /** Sequence number of uid (1-based), or 0. */
  seqOf(uid: number): number {
    const r = this.runOf(uid);
    return r < 0 ? 0 : this.prefix()[r] + (uid - this.starts[r]) + 1;
  }

  /** UID at a sequence number (1-based), or 0. */
  at(seq: number): number {
    if (seq < 1 || seq > this.count) return 0;
    const before = this.prefix();
    let lo = 0;
    let hi = before.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (before[mid] < seq) lo = mid;
      else hi = mid - 1;
    }
    return this.starts[lo] + (seq - 1 - before[lo]);
  }

  /** Remove a UID; returns the sequence number it had, or 0. */
  remove(uid: number): number {
    const r = this.runOf(uid);
    if (r < 0) return 0;
    const seq = this.prefix()[r] + (uid - this.starts[r]) + 1;
    const s = this.starts[r];
    const e = this.ends[r];
    if (s === e) {
      this.starts.splice(r, 1);
      this.ends.splice(r, 1);
      this.before.splice(r, 1);
    } else if (uid === s) this.starts[r] = s + 1;
    else if (uid === e) this.ends[r] = e - 1;
    else {
      this.starts.splice(r + 1, 0, uid + 1);
      this.ends.splice(r + 1, 0, e);
      this.before.splice(r + 1, 0, 0);
      this.ends[r] = uid - 1;
    }
    this.count--;
    this.prefixValid = false;
    return seq;
  }

  /** All UIDs, ascending, as a new array (index i = sequence number i + 1). */
  toArray(): Uint32Array {
    const out = new Uint32Array(this.count);
    let k = 0;
    for (let i = 0; i < this.starts.length; i++) for (let u = this.starts[i]; u <= this.ends[i]; u++) out[k++] = u;
    return out;
  }
}
