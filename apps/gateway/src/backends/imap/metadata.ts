// A message's metadata without its body, as the index keeps it: UID, FLAGS,
// INTERNALDATE, RFC822.SIZE, BODYSTRUCTURE and the header block, in batches
// of FETCH_BATCH UIDs. ENVELOPE is computed from the header (the index's own
// parser, so it matches what APPEND would have stored), not taken from the
// server's ENVELOPE.
import type { FetchMessageObject, ImapFlow, MessageStructureObject } from "imapflow";
import { parseEnvelope } from "../../../../../packages/protocol/src/mime/envelope.ts";
import type { RemoteMessage } from "../types.ts";
import { attachedHeaderSections, toBodyStructure } from "./bodystructure.ts";
import { FETCH_BATCH } from "./limits.ts";
import { formatRef, uidSet } from "./refs.ts";

/** \Recent belongs to one session (RFC 3501 §2.3.2); Postern keeps its own for phones. */
export function remoteFlags(flags: Set<string> | undefined): string[] {
  return flags ? [...flags].filter((f) => f.toLowerCase() !== "\\recent") : [];
}

/** The Message-ID's `<id>` token, as analyzeMessage() derives it for the index. */
export function messageIdOf(raw: string | null): string | null {
  const id = raw?.trim() ?? "";
  const token = /<[^<>\s]+>/.exec(id);
  return token ? token[0] : id || null;
}

function dateOf(value: Date | string | undefined): Date {
  const date = value instanceof Date ? value : new Date(value ?? Number.NaN);
  // A server that sends no usable INTERNALDATE: "when we first saw it" is the best remaining guess.
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

interface Row {
  uid: number;
  flags: string[];
  internalDate: Date;
  size: number;
  header: Buffer;
  structure: MessageStructureObject | undefined;
  attached: string[];
}

/**
 * A server may answer one message in several FETCH responses (RFC 9051
 * §7.5.2), and other sessions' flag changes arrive as unsolicited FETCH in
 * the middle of ours: rows are merged by UID, later values winning.
 */
export function mergeRow(rows: Map<number, FetchMessageObject>, m: FetchMessageObject): void {
  const seen = rows.get(m.uid);
  if (!seen) {
    rows.set(m.uid, m);
    return;
  }
  for (const [key, value] of Object.entries(m)) {
    if (value !== undefined) (seen as unknown as Record<string, unknown>)[key] = value;
  }
}

function rowOf(m: FetchMessageObject): Row {
  const structure = m.bodyStructure;
  return {
    uid: m.uid,
    flags: remoteFlags(m.flags),
    internalDate: dateOf(m.internalDate),
    size: m.size ?? 0,
    header: m.headers ?? Buffer.alloc(0),
    structure,
    attached: structure ? attachedHeaderSections(structure) : [],
  };
}

/** The headers of attached messages, fetched for the messages that have any, grouped by identical section lists. */
async function attachedHeaders(client: ImapFlow, rows: Row[]): Promise<Map<number, Map<string, Buffer>>> {
  const groups = new Map<string, number[]>();
  for (const row of rows) {
    if (!row.attached.length) continue;
    const key = row.attached.join(" ");
    const uids = groups.get(key) ?? [];
    uids.push(row.uid);
    groups.set(key, uids);
  }
  const out = new Map<number, Map<string, Buffer>>();
  for (const [key, uids] of groups) {
    const sections = key.split(" ");
    const wanted = new Set(uids);
    for await (const m of client.fetch(uidSet(uids), { uid: true, bodyParts: sections }, { uid: true })) {
      if (!wanted.has(m.uid) || !m.bodyParts) continue;
      const parts = out.get(m.uid) ?? new Map<string, Buffer>();
      // imapflow keys body parts by the section lower-cased.
      for (const section of sections) {
        const value = m.bodyParts.get(section.toLowerCase());
        if (value) parts.set(section, value);
      }
      out.set(m.uid, parts);
    }
  }
  return out;
}

function toRemote(uidValidity: number, row: Row, attached: Map<string, Buffer> | undefined): RemoteMessage {
  const envelope = parseEnvelope(row.header);
  return {
    ref: formatRef(uidValidity, row.uid),
    flags: row.flags,
    internalDate: row.internalDate,
    size: row.size,
    header: row.header,
    envelope,
    bodyStructure: row.structure ? toBodyStructure(row.structure, (s) => attached?.get(s)) : undefined,
    messageId: messageIdOf(envelope.messageId),
  };
}

const METADATA = {
  uid: true,
  flags: true,
  internalDate: true,
  size: true,
  bodyStructure: true,
  headers: true,
} as const;

/**
 * Fetch the metadata of `uids` (ascending) in batches, handing each batch to
 * `onBatch` in UID order with how many UIDs are done. UIDs expunged
 * meanwhile are simply missing.
 */
export async function fetchMetadata(
  client: ImapFlow,
  uidValidity: number,
  uids: readonly number[],
  onBatch: (messages: RemoteMessage[], done: number) => void | Promise<void>,
): Promise<void> {
  for (let i = 0; i < uids.length; i += FETCH_BATCH) {
    const batch = uids.slice(i, i + FETCH_BATCH);
    const wanted = new Set(batch);
    const merged = new Map<number, FetchMessageObject>();
    for await (const m of client.fetch(uidSet(batch), METADATA, { uid: true })) {
      if (wanted.has(m.uid)) mergeRow(merged, m);
    }
    // A message expunged between SEARCH and FETCH may still get a flags-only row: no header, no size — skip it.
    const rows = [...merged.values()]
      .filter((m) => m.size !== undefined || m.headers !== undefined)
      .map(rowOf)
      .sort((a, b) => a.uid - b.uid);
    merged.clear();
    const attached = await attachedHeaders(client, rows);
    await onBatch(
      rows.map((row) => toRemote(uidValidity, row, attached.get(row.uid))),
      i + batch.length,
    );
  }
}
