// Operations on messages, each in one folder the call SELECTs itself (EXAMINE
// where nothing is written). A ref whose UIDVALIDITY is not the folder's
// current one names a message that no longer exists: it is skipped, never
// resolved to whatever holds that UID now.
//
// imapflow answers a refused STORE, COPY, MOVE or EXPUNGE with `false`
// rather than an error; `refused()` turns that into a StoreError, telling a
// dropped connection from a server's NO.
import type { ImapFlow, ImapFlowError, MailboxObject } from "imapflow";
import { parseEnvelope } from "../../../../../packages/protocol/src/mime/envelope.ts";
import { storeError } from "./errors.ts";
import { messageIdOf, remoteFlags } from "./metadata.ts";
import { formatRef, parseRef, toNumber, uidSet, uidsOf } from "./refs.ts";

async function open(client: ImapFlow, folderRef: string, write: boolean): Promise<MailboxObject> {
  return client.mailboxOpen(folderRef, { readOnly: !write });
}

async function refused(client: ImapFlow, what: string, destRef?: string): Promise<never> {
  if (client.isClosed || !client.usable) throw storeError("unavailable", `${what}: connection lost`);
  if (destRef !== undefined) {
    // The NO may be a missing destination (TRYCREATE, which imapflow does not pass on).
    const status = await client.status(destRef, { uidValidity: true }).catch(() => false as const);
    if (!status) throw storeError("nonexistent", `${what}: no folder ${destRef}`);
  }
  throw storeError("notPossible", `${what} refused`);
}

const SYSTEM_FLAGS = new Map(
  ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"].map((f) => [f.toLowerCase(), f]),
);

/** System flags in their canonical spelling (flags are case-insensitive; PERMANENTFLAGS is compared as sent). */
function canonical(flag: string): string {
  return SYSTEM_FLAGS.get(flag.toLowerCase()) ?? flag;
}

/** RFC 3501 §9 flag: "\\" atom or an atom; anything else cannot be sent (imapflow drops it). */
function isFlag(flag: string): boolean {
  return /^\\?[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/.test(flag);
}

/**
 * Flags the mailbox takes permanently (RFC 3501 §7.1 PERMANENTFLAGS), as
 * imapflow decides it; the others stay with Postern. Checked here so that
 * imapflow's `false` means a refusal, not "nothing left to store".
 */
function storable(box: MailboxObject, flags: string[]): string[] {
  const permanent = box.permanentFlags;
  return remoteFlags(new Set(flags.map(canonical))).filter(
    (f) => isFlag(f) && (!permanent || permanent.has("\\*") || permanent.has(f)),
  );
}

export async function fetchRaw(client: ImapFlow, folderRef: string, ref: string): Promise<Buffer> {
  const r = parseRef(ref);
  if (!r) throw storeError("nonexistent", `not an IMAP ref: ${ref}`);
  const box = await open(client, folderRef, false);
  if (toNumber(box.uidValidity) !== r.uidValidity) throw storeError("nonexistent", `${ref}: UIDVALIDITY changed`);
  const m = await client.fetchOne(String(r.uid), { uid: true, source: true }, { uid: true });
  if (!m || !m.source) throw storeError("nonexistent", `${folderRef} ${ref}: no such message`);
  return m.source;
}

export async function setFlags(
  client: ImapFlow,
  folderRef: string,
  refs: string[],
  change: { add: string[]; remove: string[] },
): Promise<void> {
  const box = await open(client, folderRef, true);
  const uids = uidsOf(refs, toNumber(box.uidValidity));
  if (!uids.length) return;
  const set = uidSet(uids);
  await store(client, set, "+", storable(box, change.add));
  await store(client, set, "-", remoteFlags(new Set(change.remove.map(canonical))).filter(isFlag));
}

const isSystem = (flag: string) => SYSTEM_FLAGS.has(flag.toLowerCase());

/**
 * UID STORE ±FLAGS.SILENT. A server may refuse keywords it cannot hold (too
 * long, none allowed) and with them the whole STORE: the system flags are
 * then stored alone, and the keywords stay with Postern.
 */
async function store(client: ImapFlow, set: string, op: "+" | "-", flags: string[]): Promise<void> {
  if (!flags.length) return;
  const opts = { uid: true, silent: true };
  const run = (f: string[]) =>
    op === "+" ? client.messageFlagsAdd(set, f, opts) : client.messageFlagsRemove(set, f, opts);
  if (await run(flags)) return;
  const system = flags.filter(isSystem);
  if (client.usable && system.length < flags.length && (!system.length || (await run(system)))) return;
  await refused(client, `UID STORE ${op}FLAGS`);
}

/** Source ref → new ref, from COPYUID (RFC 4315); empty without UIDPLUS. */
function refMap(
  sourceUidValidity: number,
  result: { uidValidity?: bigint; uidMap?: Map<number, number> },
): Map<string, string> {
  const out = new Map<string, string>();
  if (result.uidValidity === undefined || !result.uidMap) return out;
  const dest = toNumber(result.uidValidity);
  for (const [from, to] of result.uidMap) out.set(formatRef(sourceUidValidity, from), formatRef(dest, to));
  return out;
}

export async function copy(client: ImapFlow, folderRef: string, refs: string[], destRef: string) {
  const box = await open(client, folderRef, false);
  const uidValidity = toNumber(box.uidValidity);
  const uids = uidsOf(refs, uidValidity);
  if (!uids.length) return new Map<string, string>();
  const result = await client.messageCopy(uidSet(uids), destRef, { uid: true });
  if (!result) return refused(client, "UID COPY", destRef);
  return refMap(uidValidity, result);
}

export async function move(client: ImapFlow, folderRef: string, refs: string[], destRef: string) {
  const box = await open(client, folderRef, true);
  const uidValidity = toNumber(box.uidValidity);
  const uids = uidsOf(refs, uidValidity);
  if (!uids.length) return new Map<string, string>();
  if (client.capabilities.has("MOVE")) {
    const result = await client.messageMove(uidSet(uids), destRef, { uid: true });
    if (!result) return refused(client, "UID MOVE", destRef);
    return refMap(uidValidity, result);
  }
  // No MOVE (RFC 6851 §3.3): COPY, then \Deleted and expunge the originals.
  const result = await client.messageCopy(uidSet(uids), destRef, { uid: true });
  if (!result) return refused(client, "UID COPY", destRef);
  await expungeUids(client, uids);
  return refMap(uidValidity, result);
}

export async function expunge(client: ImapFlow, folderRef: string, refs: string[]): Promise<void> {
  const box = await open(client, folderRef, true);
  const uids = uidsOf(refs, toNumber(box.uidValidity));
  if (uids.length) await expungeUids(client, uids);
}

/**
 * \Deleted + UID EXPUNGE (RFC 4315) of exactly these UIDs. Without UIDPLUS
 * only a plain EXPUNGE exists, which removes every \Deleted message of the
 * folder — also those another client (or a phone, through Postern) marked
 * \Deleted without meaning to expunge yet. Those are unmarked for the
 * EXPUNGE and marked again after it. What remains: another client sees them
 * unmarked for that moment, one that marks a message \Deleted during it
 * loses it to our EXPUNGE, and if the connection drops in between they stay
 * unmarked (nothing is lost).
 */
async function expungeUids(client: ImapFlow, uids: number[]): Promise<void> {
  const set = uidSet(uids);
  if (client.capabilities.has("UIDPLUS")) {
    if (!(await client.messageDelete(set, { uid: true }))) await refused(client, "UID EXPUNGE");
    return;
  }
  if (!(await client.messageFlagsAdd(set, ["\\Deleted"], { uid: true, silent: true }))) {
    await refused(client, "UID STORE +FLAGS \\Deleted");
  }
  const mine = new Set(uids);
  const others = await client.search({ deleted: true }, { uid: true });
  // Not knowing which messages another client marked, a plain EXPUNGE could take them too: refuse.
  if (!Array.isArray(others)) return refused(client, "UID SEARCH DELETED");
  const keep = others.filter((uid) => !mine.has(uid)).sort((a, b) => a - b);
  if (keep.length && !(await client.messageFlagsRemove(uidSet(keep), ["\\Deleted"], { uid: true, silent: true }))) {
    await refused(client, "UID STORE -FLAGS \\Deleted");
  }
  try {
    // messageDelete() without UIDPLUS: +FLAGS \Deleted (already set) and a plain EXPUNGE.
    if (!(await client.messageDelete(set, { uid: true }))) await refused(client, "EXPUNGE");
  } finally {
    if (keep.length && client.usable) {
      await client.messageFlagsAdd(uidSet(keep), ["\\Deleted"], { uid: true, silent: true });
    }
  }
}

export async function append(
  client: ImapFlow,
  folderRef: string,
  raw: Buffer,
  opts: { flags: string[]; internalDate?: Date },
): Promise<string | null> {
  const flags = remoteFlags(new Set(opts.flags.map(canonical))).filter(isFlag);
  let result: Awaited<ReturnType<ImapFlow["append"]>>;
  try {
    result = await client.append(folderRef, raw, flags, opts.internalDate);
  } catch (err) {
    // A server may refuse the whole APPEND over a keyword it cannot hold (Dovecot: NO [CANNOT]
    // Keyword length too long): the message matters more, and its keywords stay with Postern.
    const system = flags.filter(isSystem);
    const { responseStatus, serverResponseCode: code } = (err ?? {}) as ImapFlowError;
    const refusedAsIs = (responseStatus === "NO" || responseStatus === "BAD") && (!code || code === "CANNOT");
    if (!refusedAsIs || system.length === flags.length || !client.usable) throw err;
    result = await client.append(folderRef, raw, system, opts.internalDate);
  }
  if (!result) return refused(client, "APPEND", folderRef);
  // Only APPENDUID (RFC 4315) names the message with its UIDVALIDITY; a UID imapflow found by other means does not.
  if (result.uid === undefined || result.uidValidity === undefined) return null;
  return formatRef(toNumber(result.uidValidity), result.uid);
}

export async function findByMessageId(client: ImapFlow, folderRef: string, messageId: string): Promise<string[]> {
  const want = messageIdOf(messageId);
  if (!want) return [];
  const box = await open(client, folderRef, false);
  const uidValidity = toNumber(box.uidValidity);
  // SEARCH HEADER matches substrings (RFC 3501 §6.4.4): candidates are checked against their own Message-ID.
  const found = await client.search({ header: { "Message-ID": want } }, { uid: true });
  if (!Array.isArray(found)) return refused(client, "UID SEARCH HEADER Message-ID");
  if (!found.length) return [];
  const uids = found.sort((a, b) => a - b);
  const out: string[] = [];
  for await (const m of client.fetch(uidSet(uids), { uid: true, headers: ["message-id"] }, { uid: true })) {
    if (!m.headers || !uids.includes(m.uid)) continue;
    if (messageIdOf(parseEnvelope(m.headers).messageId) === want) out.push(formatRef(uidValidity, m.uid));
  }
  return [...new Set(out)].sort((a, b) => parseRef(a)!.uid - parseRef(b)!.uid);
}
