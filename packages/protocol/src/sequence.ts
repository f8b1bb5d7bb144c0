// Sequence sets (RFC 3501 §9 sequence-set): parsed once into ranges with `*`
// kept symbolic, then resolved against the session's view of the mailbox —
// a sorted Uint32Array of UIDs where message sequence number n is index n-1.
// Resolution works on ranges with binary search, so `1:4294967295` costs the
// same as `1:2`; only the matched messages are ever materialised.
import { ParseError, type Token } from "./wire/tokens.ts";

/** Largest seq-number / uniqueid: nz-number is a 32-bit unsigned value (RFC 3501 §9 "number"). */
export const MAX_SEQ_NUMBER = 0xffffffff;

/**
 * Longest sequence set accepted, in characters. A sequence set is an atom, so
 * the line limit already bounds it; this guards callers that parse sets from
 * elsewhere (QRESYNC parameters, stored state) from unbounded work.
 */
export const MAX_SEQUENCE_SET_LENGTH = 64 * 1024;

/** A number or `*` ("the largest number in use", resolved against a view). */
export type SeqNumber = number | "*";

/** `start:end` as written (a single number has start === end); not ordered. */
export interface SeqRange {
  readonly start: SeqNumber;
  readonly end: SeqNumber;
}

export interface SequenceSet {
  readonly ranges: readonly SeqRange[];
  /** Some range uses `*`. */
  readonly hasStar: boolean;
}

export interface ParseSequenceSetOptions {
  /** QRESYNC known-uids and seq-match-data forbid `*` (RFC 7162 §7). Default true. */
  allowStar?: boolean;
  /** For error messages: "sequence set", "UID set", … */
  what?: string;
}

function parseSeqNumber(s: string, allowStar: boolean, what: string): SeqNumber {
  if (s === "*") {
    if (!allowStar) throw new ParseError(`* is not allowed in this ${what}`);
    return "*";
  }
  // nz-number = digit-nz *DIGIT: no zero, no leading zeros.
  if (!/^[1-9][0-9]{0,9}$/.test(s)) {
    if (/^0+$/.test(s)) throw new ParseError(`invalid ${what}: 0 is not a valid number`);
    throw new ParseError(`invalid ${what}`);
  }
  const n = Number(s);
  if (n > MAX_SEQ_NUMBER) throw new ParseError(`invalid ${what}: number too large`);
  return n;
}

/** Parse a sequence-set atom (`1`, `2:4`, `4:2`, `*`, `1:*`, `5,7:9,*`). */
export function parseSequenceSet(input: string | Token | undefined, opts: ParseSequenceSetOptions = {}): SequenceSet {
  const what = opts.what ?? "sequence set";
  const allowStar = opts.allowStar ?? true;
  let text: string;
  if (input === undefined) throw new ParseError(`missing ${what}`);
  if (typeof input === "string") text = input;
  else if (input.type === "atom" && !input.section) text = input.value;
  else throw new ParseError(`expected a ${what}`);
  if (!text) throw new ParseError(`missing ${what}`);
  if (text.length > MAX_SEQUENCE_SET_LENGTH) throw new ParseError(`${what} too long`);
  // RFC 5182 SEARCHRES `$` is not advertised.
  if (text === "$") throw new ParseError("$ (SEARCHRES) is not supported");
  const ranges: SeqRange[] = [];
  let hasStar = false;
  for (const part of text.split(",")) {
    if (!part) throw new ParseError(`invalid ${what}: empty element`);
    const colon = part.indexOf(":");
    let start: SeqNumber;
    let end: SeqNumber;
    if (colon < 0) {
      start = end = parseSeqNumber(part, allowStar, what);
    } else {
      start = parseSeqNumber(part.slice(0, colon), allowStar, what);
      end = parseSeqNumber(part.slice(colon + 1), allowStar, what);
      // "2:4 and 4:2 are equivalent": keep numeric ranges ordered.
      if (typeof start === "number" && typeof end === "number" && start > end) [start, end] = [end, start];
    }
    if (start === "*" || end === "*") hasStar = true;
    ranges.push({ start, end });
  }
  return { ranges, hasStar };
}

/** Index of the first element >= value. */
export function lowerBound(view: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = view.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (view[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element > value. */
export function upperBound(view: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = view.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (view[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The set with `*` replaced by `star`, as sorted, merged, inclusive
 * [low, high] pairs (flat: low0, high0, low1, high1, …). For testing
 * membership of numbers that may not exist in a view (VANISHED (EARLIER)
 * against the expunge log, SEARCH UID keys).
 */
export function concreteRanges(set: SequenceSet, star: number): Uint32Array {
  const pairs: [number, number][] = [];
  for (const r of set.ranges) {
    const a = r.start === "*" ? star : r.start;
    const b = r.end === "*" ? star : r.end;
    if (a === 0 && b === 0) continue; // `*` in an empty mailbox with nothing else
    const lo = Math.max(1, Math.min(a, b));
    pairs.push([lo, Math.max(a, b)]);
  }
  return mergePairs(pairs);
}

function mergePairs(pairs: [number, number][]): Uint32Array {
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last] + 1) {
      if (hi > out[last]) out[last] = hi;
    } else out.push(lo, hi);
  }
  return Uint32Array.from(out);
}

/** Whether `value` is in ranges from concreteRanges(). */
export function rangesContain(ranges: Uint32Array, value: number): boolean {
  // Last pair whose low <= value.
  let lo = 0;
  let hi = ranges.length >>> 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid * 2] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && value <= ranges[(lo - 1) * 2 + 1];
}

export interface ResolvedSet {
  /** Matched UIDs, ascending, unique. */
  uids: Uint32Array;
  /** Their message sequence numbers (parallel to uids). */
  seqs: Uint32Array;
}

export interface ResolvedSeqSet extends ResolvedSet {
  /**
   * Some number was greater than the number of messages (or `*` was used in
   * an empty mailbox). RFC 3501 §9 says the server should answer BAD; the
   * caller decides (some answer for what exists instead).
   */
  outOfRange: boolean;
}

/** Index intervals [lo, hi) → materialised result. */
function materialise(view: Uint32Array, intervals: [number, number][]): ResolvedSet {
  intervals.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [lo, hi] of intervals) {
    const last = merged[merged.length - 1];
    if (last && lo <= last[1]) {
      if (hi > last[1]) last[1] = hi;
    } else merged.push([lo, hi]);
  }
  let total = 0;
  for (const [lo, hi] of merged) total += hi - lo;
  const uids = new Uint32Array(total);
  const seqs = new Uint32Array(total);
  let at = 0;
  for (const [lo, hi] of merged) {
    uids.set(view.subarray(lo, hi), at);
    for (let i = lo; i < hi; i++) seqs[at++] = i + 1;
  }
  return { uids, seqs };
}

/** Resolve message sequence numbers: `*` is the number of messages. */
export function resolveMessageNumbers(set: SequenceSet, view: Uint32Array): ResolvedSeqSet {
  const count = view.length;
  let outOfRange = false;
  const intervals: [number, number][] = [];
  for (const r of set.ranges) {
    if (count === 0) {
      outOfRange = true;
      continue;
    }
    const a = r.start === "*" ? count : r.start;
    const b = r.end === "*" ? count : r.end;
    const lo = Math.min(a, b);
    let hi = Math.max(a, b);
    if (hi > count) {
      outOfRange = true;
      hi = count;
    }
    if (lo <= hi) intervals.push([lo - 1, hi]);
  }
  return { ...materialise(view, intervals), outOfRange };
}

/**
 * Resolve UIDs (RFC 3501 §6.4.8) with their sequence numbers (UID FETCH,
 * UID STORE answer with `* seq FETCH (UID uid …)`): only UIDs that exist are
 * included; `*` is the largest UID in the mailbox, so `n:*` with n above it
 * still includes the last message (§9 seq-range: "3291:* includes the UID of
 * the last message … even if that value is less than 3291").
 */
export function resolveUidsWithSeqs(set: SequenceSet, view: Uint32Array): ResolvedSet {
  const count = view.length;
  const intervals: [number, number][] = [];
  if (count === 0) return { uids: new Uint32Array(0), seqs: new Uint32Array(0) };
  const max = view[count - 1];
  for (const r of set.ranges) {
    const a = r.start === "*" ? max : r.start;
    const b = r.end === "*" ? max : r.end;
    const lo = lowerBound(view, Math.min(a, b));
    const hi = upperBound(view, Math.max(a, b));
    if (lo < hi) intervals.push([lo, hi]);
  }
  return materialise(view, intervals);
}

/** The UIDs of the view in a UID set, ascending and unique (see resolveUidsWithSeqs). */
export function resolveUids(set: SequenceSet, view: Uint32Array): Uint32Array {
  return resolveUidsWithSeqs(set, view).uids;
}

/** The sequence number of a UID in the view, or 0 if it is not there. */
export function seqOfUid(view: Uint32Array, uid: number): number {
  const i = lowerBound(view, uid);
  return i < view.length && view[i] === uid ? i + 1 : 0;
}

/**
 * A UID set as sorted, merged [low, high] pairs, for queries on UIDs that
 * need not exist in the view (QRESYNC known-uids against the expunge log).
 * `*` needs `star`; without one a set containing `*` is refused, as
 * known-uids forbids it (RFC 7162 §7).
 */
export function uidRanges(set: SequenceSet, star?: number): Array<[number, number]> {
  if (set.hasStar && star === undefined) throw new ParseError("* is not allowed in this UID set");
  const flat = concreteRanges(set, star ?? 0);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/**
 * Compact wire form of numbers (`1:3,5,9:12`) for COPYUID, ESEARCH ALL and
 * VANISHED. Runs of consecutive ascending numbers are folded; the order is
 * kept (COPYUID's source and destination sets correspond element by
 * element, RFC 4315 §3), so pass sorted input for the shortest form.
 */
export function formatUidSet(uids: ArrayLike<number>): string {
  const parts: string[] = [];
  let i = 0;
  const n = uids.length;
  while (i < n) {
    const start = uids[i];
    let end = start;
    let j = i + 1;
    while (j < n && (uids[j] === end + 1 || uids[j] === end)) end = uids[j++];
    parts.push(start === end ? String(start) : `${start}:${end}`);
    i = j;
  }
  return parts.join(",");
}

/** Wire form of a parsed set (normalised: `4:2` is written `2:4`). */
export function formatSequenceSet(set: SequenceSet): string {
  return set.ranges.map((r) => (r.start === r.end ? String(r.start) : `${r.start}:${r.end}`)).join(",");
}

/** number (RFC 3501 §9): an unsigned 32-bit integer, digits only. */
export function parseNumber(t: Token | undefined, what = "number", opts: { nonZero?: boolean } = {}): number {
  if (!t || t.type !== "atom" || t.section || !/^[0-9]{1,10}$/.test(t.value)) throw new ParseError(`expected ${what}`);
  const n = Number(t.value);
  if (n > MAX_SEQ_NUMBER) throw new ParseError(`${what} too large`);
  if (opts.nonZero && n === 0) throw new ParseError(`${what} must not be 0`);
  return n;
}

/** Largest mod-sequence: "positive unsigned 63-bit integer" (RFC 7162 §7 mod-sequence-value). */
export const MAX_MODSEQ = (1n << 63n) - 1n;

/**
 * mod-sequence-valzer (RFC 7162 §7): 0 to 2^63-1 (`nonZero` for
 * mod-sequence-value). Validated in full, returned as a number like the
 * store's mod-sequences: ours stay far below 2^53, and a larger client value
 * rounds but still compares above every real one.
 */
export function parseModSeq(t: Token | undefined, what = "mod-sequence", opts: { nonZero?: boolean } = {}): number {
  if (!t || t.type !== "atom" || t.section || !/^[0-9]{1,19}$/.test(t.value)) throw new ParseError(`expected ${what}`);
  const n = BigInt(t.value);
  if (n > MAX_MODSEQ) throw new ParseError(`${what} too large`);
  if (opts.nonZero && n === 0n) throw new ParseError(`${what} must not be 0`);
  return Number(n);
}
