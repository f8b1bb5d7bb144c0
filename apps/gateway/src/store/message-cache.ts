// What never changes about a message, kept in memory for the messages phones
// look at most (the newest): its header block, ENVELOPE and BODYSTRUCTURE.
// A (folder id, UID) pair names one message forever — UIDs are never reused
// within a folder and folder ids are never reused — so entries need no
// invalidation, only an LRU bound.

export interface CachedParts {
  header?: Buffer;
  envelope?: unknown;
  bodyStructure?: unknown;
}

/** Rough cost of a cached ENVELOPE or BODYSTRUCTURE object. */
const STRUCTURE_BYTES = 1024;

export class MessageCache {
  private readonly entries = new Map<string, CachedParts & { bytes: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  get(folderId: number, uid: number): CachedParts | undefined {
    const key = `${folderId}:${uid}`;
    const e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  put(folderId: number, uid: number, parts: CachedParts): void {
    const key = `${folderId}:${uid}`;
    const old = this.entries.get(key);
    const merged = {
      ...old,
      ...Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)),
    } as CachedParts;
    const bytes =
      (merged.header?.length ?? 0) +
      (merged.envelope ? STRUCTURE_BYTES : 0) +
      (merged.bodyStructure ? STRUCTURE_BYTES : 0);
    if (old) this.bytes -= old.bytes;
    this.entries.delete(key);
    this.entries.set(key, { ...merged, bytes });
    this.bytes += bytes;
    while (this.bytes > this.maxBytes && this.entries.size) {
      const [oldest, victim] = this.entries.entries().next().value as [string, { bytes: number }];
      this.entries.delete(oldest);
      this.bytes -= victim.bytes;
    }
  }
}
