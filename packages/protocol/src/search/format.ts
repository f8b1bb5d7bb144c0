// SEARCH and ESEARCH responses (RFC 3501 §7.2.5, RFC 4731 §3.1, RFC 7162 §3.1.6).
import { formatUidSet } from "../sequence.ts";
import type { ReturnOptions } from "./types.ts";

export interface SearchResult {
  /** Matching message numbers or UIDs, ascending. */
  matches: ArrayLike<number>;
  /**
   * Their mod-sequences (parallel to matches), when the search used a MODSEQ
   * key: the response then carries the highest one (RFC 7162 §3.1.5).
   */
  modseqs?: ArrayLike<number>;
}

function ascending(xs: ArrayLike<number>): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i] < xs[i - 1]) return false;
  return true;
}

function maxOf(xs: ArrayLike<number>, indexes?: number[]): number {
  let m = 0;
  if (indexes) {
    for (const i of indexes) if (xs[i] > m) m = xs[i];
  } else for (let i = 0; i < xs.length; i++) if (xs[i] > m) m = xs[i];
  return m;
}

/**
 * The untagged ESEARCH response, without the leading `* ` (for
 * session.untagged()): `ESEARCH (TAG "a1") UID MIN 1 MAX 9 COUNT 3 ALL 1:3`.
 * MIN, MAX and ALL are left out when nothing matched; COUNT never is.
 */
export function formatEsearch(tag: string, uid: boolean, result: SearchResult, options: ReturnOptions): string {
  let order: number[] | undefined;
  let matches = result.matches;
  if (!ascending(matches)) {
    order = Array.from({ length: matches.length }, (_, i) => i).sort((a, b) => result.matches[a] - result.matches[b]);
    matches = order.map((i) => result.matches[i]);
  }
  const n = matches.length;
  let out = `ESEARCH (TAG "${tag.replace(/[\\"]/g, (m) => `\\${m}`)}")`;
  if (uid) out += " UID";
  if (n > 0 && options.min) out += ` MIN ${matches[0]}`;
  if (n > 0 && options.max) out += ` MAX ${matches[n - 1]}`;
  if (options.count) out += ` COUNT ${n}`;
  if (n > 0 && options.all) out += ` ALL ${formatUidSet(matches)}`;
  if (n > 0 && result.modseqs) {
    // RFC 4731 §3.2: a lone MIN or MAX reports that message's mod-sequence;
    // MIN and MAX alone the higher of the two; otherwise the highest of all.
    const modseqs = order ? order.map((i) => result.modseqs![i]) : result.modseqs;
    let modseq: number;
    const onlyMinMax = !options.all && !options.count;
    if (onlyMinMax && options.min && !options.max) modseq = modseqs[0];
    else if (onlyMinMax && options.max && !options.min) modseq = modseqs[n - 1];
    else if (onlyMinMax && options.min && options.max) modseq = maxOf(modseqs, [0, n - 1]);
    else modseq = maxOf(modseqs);
    out += ` MODSEQ ${modseq}`;
  }
  return out;
}

/**
 * The untagged SEARCH response without the leading `* `: `SEARCH 2 84 882`,
 * plus `(MODSEQ n)` with the highest mod-sequence when the search used MODSEQ
 * and something matched (RFC 7162 §3.1.6).
 */
export function formatSearch(result: SearchResult): string {
  let out = "SEARCH";
  for (let i = 0; i < result.matches.length; i++) out += ` ${result.matches[i]}`;
  if (result.modseqs && result.matches.length > 0) out += ` (MODSEQ ${maxOf(result.modseqs)})`;
  return out;
}
