// An in-memory copy of each busy folder's message metadata (UID, MODSEQ,
// flags, internal date, size) shared by every session of this gateway —
// what Dovecot keeps in its index files. The database stays the truth: an
// entry is brought up to the folder's current HIGHESTMODSEQ (new and
// re-flagged rows since, and the expunge log) by one cheap query whenever
// the change bus has said the folder changed, and at least every
// REVALIDATE_MS in case a signal was lost. FETCH FLAGS, CHANGEDSINCE and
// flag-only SEARCH then read no rows at all.
import { type FolderChanges, StoreError } from "@postern/protocol";
import type { ChangeBus } from "./bus.ts";
import type { StoreContext } from "./context.ts";
import { FLAG_COLUMNS } from "./flags.ts";
import { int, rows } from "./sql.ts";

const BIT: Record<string, number> = Object.fromEntries(FLAG_COLUMNS.map(([flag], i) => [flag, 1 << i]));

export interface MetaEntry {
  modseq: number;
  uidNext: number;
  count: number;
  uids: Uint32Array;
  modseqs: Float64Array;
  bits: Uint8Array;
  dates: Float64Array;
  sizes: Uint32Array;
  /** Keywords of the (few) messages that have any. */
  keywords: Map<number, string[]>;
  /** The bus said the folder changed since the last validation. */
  dirty: boolean;
  validatedAt: number;
  unsubscribe: () => void;
}

/** A lost bus signal costs at most this much staleness. */
export const REVALIDATE_MS = 5000;

export function flagsOf(e: MetaEntry, i: number): string[] {
  const out: string[] = [];
  const b = e.bits[i];
  for (let k = 0; k < FLAG_COLUMNS.length; k++) if (b & (1 << k)) out.push(FLAG_COLUMNS[k][0]);
  const kw = e.keywords.get(e.uids[i]);
  if (kw) out.push(...kw);
  return out;
}

/** Index of uid in the entry, or -1. */
export function indexOf(e: MetaEntry, uid: number): number {
  let lo = 0;
  let hi = e.count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = e.uids[mid];
    if (v === uid) return mid;
    if (v < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export class MetaCache {
  private readonly entries = new Map<number, MetaEntry>();
  private bytes = 0;

  constructor(
    private readonly bus: ChangeBus,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /** The folder's metadata, current as of its HIGHESTMODSEQ now. */
  async get(ctx: StoreContext, folderId: number): Promise<MetaEntry> {
    const e = this.entries.get(folderId);
    if (e) {
      // LRU: most recently used last.
      this.entries.delete(folderId);
      this.entries.set(folderId, e);
      const now = Date.now();
      if (e.dirty || now - e.validatedAt > REVALIDATE_MS) {
        e.dirty = false;
        const ch = await changesWithMeta(ctx, folderId, e.modseq);
        // Another caller may have applied newer changes meanwhile: only move forward.
        if (ch.highestModseq > e.modseq) {
          const before = sizeOf(e);
          apply(e, ch);
          this.bytes += sizeOf(e) - before;
        }
        e.validatedAt = now;
      }
      return e;
    }
    const fresh = await load(ctx, folderId);
    // A concurrent load of the same folder may have won; keep one entry.
    const raced = this.entries.get(folderId);
    if (raced) return raced;
    fresh.unsubscribe = this.bus.subscribe(folderId, () => {
      fresh.dirty = true;
    });
    this.entries.set(folderId, fresh);
    this.bytes += sizeOf(fresh);
    while (this.bytes > this.maxBytes && this.entries.size > 1) {
      const [oldest] = this.entries.keys();
      this.drop(oldest);
    }
    return fresh;
  }

  drop(folderId: number): void {
    const e = this.entries.get(folderId);
    if (e) {
      e.unsubscribe();
      this.entries.delete(folderId);
      this.bytes -= sizeOf(e);
    }
  }
}

function sizeOf(e: MetaEntry): number {
  return e.uids.length * 31 + e.keywords.size * 64;
}

// PostgreSQL gives | and << the same precedence: every shift is parenthesised.
const META_PACK = `int4send(m.uid) || int8send(m.modseq)
  || int2send((m.seen::int | (m.answered::int << 1) | (m.flagged::int << 2) | (m.deleted::int << 3) | (m.draft::int << 4))::int2)
  || float8send(extract(epoch from m.internal_date)::float8) || int4send(m.size)`;
const ROW = 4 + 8 + 2 + 8 + 4;

async function load(ctx: StoreContext, folderId: number): Promise<MetaEntry> {
  // One statement, one snapshot: the rows and HIGHESTMODSEQ agree. Rows are
  // packed into one bytea so no per-row parsing happens in JavaScript.
  const r = await rows(
    ctx.pool,
    `SELECT f.highest_modseq, f.uid_next,
       (SELECT string_agg(${META_PACK}, ''::bytea ORDER BY m.uid) FROM message m WHERE m.folder_id = f.id),
       (SELECT json_agg(json_build_array(m.uid, m.keywords)) FROM message m WHERE m.folder_id = f.id AND m.keywords <> '{}')
     FROM folder f WHERE f.id = $1`,
    [folderId],
  );
  // Deleted by another session while this one had it selected.
  if (!r.length) throw new StoreError("nonexistent", "Mailbox was deleted");
  const [highest, uidNext, packed, kw] = r[0] as [unknown, number, Buffer | null, Array<[number, string[]]> | null];
  const n = packed ? packed.length / ROW : 0;
  const e = alloc(Math.max(16, Math.ceil(n * 1.1)));
  e.modseq = int(highest);
  e.uidNext = uidNext;
  e.validatedAt = Date.now();
  for (let i = 0; i < n; i++) {
    const o = i * ROW;
    e.uids[i] = packed!.readUInt32BE(o);
    e.modseqs[i] = Number(packed!.readBigInt64BE(o + 4));
    e.bits[i] = packed!.readInt16BE(o + 12);
    e.dates[i] = packed!.readDoubleBE(o + 14) * 1000;
    e.sizes[i] = packed!.readUInt32BE(o + 22);
  }
  e.count = n;
  for (const [uid, words] of kw ?? []) e.keywords.set(uid, words);
  return e;
}

function alloc(capacity: number): MetaEntry {
  return {
    modseq: 0,
    uidNext: 1,
    count: 0,
    uids: new Uint32Array(capacity),
    modseqs: new Float64Array(capacity),
    bits: new Uint8Array(capacity),
    dates: new Float64Array(capacity),
    sizes: new Uint32Array(capacity),
    keywords: new Map(),
    dirty: false,
    validatedAt: 0,
    unsubscribe: () => {},
  };
}

interface MetaChanges extends FolderChanges {
  /** internal date (ms) and size of changed rows, by UID (new messages need them). */
  extra: Map<number, [number, number]>;
}

async function changesWithMeta(ctx: StoreContext, folderId: number, since: number): Promise<MetaChanges> {
  const r = await rows(
    ctx.pool,
    `SELECT f.highest_modseq, f.uid_next,
       CASE WHEN f.highest_modseq > $2 THEN
         (SELECT json_agg(json_build_array(m.uid, m.modseq, m.seen, m.answered, m.flagged, m.deleted, m.draft, m.keywords,
                                           extract(epoch from m.internal_date) * 1000, m.size) ORDER BY m.uid)
          FROM message m WHERE m.folder_id = f.id AND m.modseq > $2) END,
       CASE WHEN f.highest_modseq > $2 THEN
         (SELECT array_agg(e.uid ORDER BY e.uid) FROM expunge_log e WHERE e.folder_id = f.id AND e.modseq > $2) END
     FROM folder f WHERE f.id = $1`,
    [folderId, since],
  );
  // Deleted by another session while this one had it selected.
  if (!r.length) throw new StoreError("nonexistent", "Mailbox was deleted");
  const [highest, uidNext, changed, expunged] = r[0] as [unknown, number, unknown[][] | null, number[] | null];
  const extra = new Map<number, [number, number]>();
  const list = (changed ?? []).map((row) => {
    extra.set(row[0] as number, [Number(row[8]), row[9] as number]);
    const flags: string[] = [];
    for (let k = 0; k < FLAG_COLUMNS.length; k++) if (row[2 + k]) flags.push(FLAG_COLUMNS[k][0]);
    flags.push(...((row[7] as string[]) ?? []));
    return { uid: row[0] as number, modseq: Number(row[1]), flags };
  });
  return { highestModseq: int(highest), uidNext, changed: list, expunged: expunged ?? [], extra };
}

function apply(e: MetaEntry, ch: MetaChanges): void {
  if (ch.expunged.length) removeAll(e, new Set(ch.expunged));
  for (const m of ch.changed) {
    let bits = 0;
    const kws: string[] = [];
    for (const f of m.flags) {
      const b = BIT[f];
      if (b) bits |= b;
      else kws.push(f);
    }
    let i = indexOf(e, m.uid);
    if (i < 0) {
      // New messages arrive with ascending UIDs above every cached one;
      // anything else (a re-mapped folder) is inserted in order.
      if (e.count && m.uid < e.uids[e.count - 1]) i = insertAt(e, m.uid);
      else i = push(e, m.uid);
      const [date, size] = ch.extra.get(m.uid) ?? [0, 0];
      e.dates[i] = date;
      e.sizes[i] = size;
    }
    e.modseqs[i] = m.modseq;
    e.bits[i] = bits;
    if (kws.length) e.keywords.set(m.uid, kws);
    else e.keywords.delete(m.uid);
  }
  e.modseq = ch.highestModseq;
  e.uidNext = ch.uidNext;
}

function grow(e: MetaEntry, need: number): void {
  if (need <= e.uids.length) return;
  const cap = Math.max(need, Math.ceil(e.uids.length * 1.5));
  const n = alloc(cap);
  // Only the arrays are replaced; the entry keeps its identity and state.
  n.uids.set(e.uids.subarray(0, e.count));
  n.modseqs.set(e.modseqs.subarray(0, e.count));
  n.bits.set(e.bits.subarray(0, e.count));
  n.dates.set(e.dates.subarray(0, e.count));
  n.sizes.set(e.sizes.subarray(0, e.count));
  e.uids = n.uids;
  e.modseqs = n.modseqs;
  e.bits = n.bits;
  e.dates = n.dates;
  e.sizes = n.sizes;
}

function push(e: MetaEntry, uid: number): number {
  grow(e, e.count + 1);
  e.uids[e.count] = uid;
  return e.count++;
}

function insertAt(e: MetaEntry, uid: number): number {
  grow(e, e.count + 1);
  let i = e.count;
  while (i > 0 && e.uids[i - 1] > uid) i--;
  for (const a of [e.uids, e.modseqs, e.bits, e.dates, e.sizes] as const) a.copyWithin(i + 1, i, e.count);
  e.uids[i] = uid;
  e.count++;
  return i;
}

/** Drop expunged UIDs in one compacting pass (a big EXPUNGE is one pass, not one shift per message). */
function removeAll(e: MetaEntry, gone: Set<number>): void {
  let w = 0;
  for (let r = 0; r < e.count; r++) {
    const uid = e.uids[r];
    if (gone.has(uid)) {
      e.keywords.delete(uid);
      continue;
    }
    if (w !== r) {
      e.uids[w] = uid;
      e.modseqs[w] = e.modseqs[r];
      e.bits[w] = e.bits[r];
      e.dates[w] = e.dates[r];
      e.sizes[w] = e.sizes[r];
    }
    w++;
  }
  e.count = w;
}

/** Space-separated system flags for each of the 32 combinations, built once. */
const SYSTEM_TEXT: string[] = Array.from({ length: 1 << FLAG_COLUMNS.length }, (_, bits) =>
  FLAG_COLUMNS.filter((_, k) => bits & (1 << k))
    .map(([flag]) => flag)
    .join(" "),
);

/** The FETCH FLAGS text of entry `i` (no \Recent): what CachedMessage.flagsText gives, without the object. */
export function flagsTextAt(e: MetaEntry, i: number): string {
  const sys = SYSTEM_TEXT[e.bits[i]];
  const kw = e.keywords.size ? e.keywords.get(e.uids[i]) : undefined;
  if (!kw) return sys;
  return sys ? `${sys} ${kw.join(" ")}` : kw.join(" ");
}

/**
 * A message's metadata read from a cache entry, built per FETCH response:
 * the flag list and the Date are made only if the response asks for them.
 */
export class CachedMessage {
  readonly uid: number;
  modseq: number;
  readonly size: number;
  envelope?: unknown;
  bodyStructure?: unknown;
  header?: Buffer;
  raw?: Buffer;
  private readonly bits: number;
  private readonly kw: string[] | undefined;
  private readonly dateMs: number;
  private flagList: string[] | null = null;

  constructor(e: MetaEntry, i: number) {
    this.uid = e.uids[i];
    this.modseq = e.modseqs[i];
    this.size = e.sizes[i];
    this.bits = e.bits[i];
    this.kw = e.keywords.get(this.uid);
    this.dateMs = e.dates[i];
  }

  get flags(): string[] {
    if (!this.flagList) {
      const out: string[] = [];
      for (let k = 0; k < FLAG_COLUMNS.length; k++) if (this.bits & (1 << k)) out.push(FLAG_COLUMNS[k][0]);
      if (this.kw) out.push(...this.kw);
      this.flagList = out;
    }
    return this.flagList;
  }

  set flags(v: string[]) {
    this.flagList = v;
  }

  get internalDate(): Date {
    return new Date(this.dateMs);
  }

  /** Ready-made for the common case; undefined once flags were replaced (markSeen). */
  get flagsText(): string | undefined {
    if (this.flagList) return undefined;
    const sys = SYSTEM_TEXT[this.bits];
    if (!this.kw) return sys;
    return sys ? `${sys} ${this.kw.join(" ")}` : this.kw.join(" ");
  }
}
