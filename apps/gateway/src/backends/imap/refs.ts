// A message's reference at an IMAP backend: "<uidvalidity>:<uid>". A UID
// means nothing without its UIDVALIDITY (RFC 3501 §2.3.1.1): a ref from an
// older UIDVALIDITY names a message that is gone, and must never be used to
// touch whatever holds that UID now.
import { formatUidSet } from "@postern/protocol";

export function formatRef(uidValidity: number, uid: number): string {
  return `${uidValidity}:${uid}`;
}

export function parseRef(ref: string): { uidValidity: number; uid: number } | null {
  const m = /^(\d{1,10}):(\d{1,10})$/.exec(ref);
  if (!m) return null;
  const uidValidity = Number(m[1]);
  const uid = Number(m[2]);
  if (uid < 1 || uid > 0xffffffff || uidValidity > 0xffffffff) return null;
  return { uidValidity, uid };
}

/** The UIDs of the refs that belong to this UIDVALIDITY, ascending and unique; the others are already gone. */
export function uidsOf(refs: Iterable<string>, uidValidity: number): number[] {
  const uids = new Set<number>();
  for (const ref of refs) {
    const r = parseRef(ref);
    if (r && r.uidValidity === uidValidity) uids.add(r.uid);
  }
  return [...uids].sort((a, b) => a - b);
}

/** A compact UID set ("3:7,9") from ascending UIDs. */
export function uidSet(uids: readonly number[]): string {
  return formatUidSet(uids);
}

/** UIDVALIDITY and MODSEQ arrive as bigints; the cursor holds numbers. */
export function toNumber(value: bigint | number): number {
  return typeof value === "bigint" ? Number(value) : value;
}
