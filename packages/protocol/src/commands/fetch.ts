// tag FETCH sequence-set (att…) [(CHANGEDSINCE n [VANISHED])]
// tag UID FETCH …   (RFC 3501 §6.4.5, §6.4.8; RFC 7162 §3.1.4, §3.2.6)
// Responses are produced in batches from the store and written with
// back-pressure, so a FETCH 1:* BODY[] of a large folder never holds more
// than one batch in memory.
import { atomValue } from "../args.ts";
import { bad, type CommandResult, defineCommand, no, ok, SELECTED } from "../command.ts";
import { type FetchItem, type FetchRequest, parseFetchRequest } from "../fetch-items.ts";
import { analyzeMessage } from "../mime/analyze.ts";
import { type BodyStructure, bodyStructureValue } from "../mime/bodystructure.ts";
import { type Envelope, envelopeValue, parseEnvelope } from "../mime/envelope.ts";
import { type MimePart, parseMessage } from "../mime/parse.ts";
import { applyPartial, extractSection } from "../mime/section.ts";
import {
  formatUidSet,
  parseSequenceSet,
  resolveMessageNumbers,
  resolveUids,
  type SequenceSet,
  uidRanges,
} from "../sequence.ts";
import type { Session } from "../session.ts";
import { flagText } from "../session.ts";
import type { FetchedMessage, FetchNeeds } from "../store.ts";
import type { SelectedView } from "../view.ts";
import { Chunks, literal, writeValue } from "../wire/encoder.ts";
import { ParseError, type Token } from "../wire/tokens.ts";

interface FetchArgs {
  set: SequenceSet;
  req: FetchRequest;
}

/** Messages per store round trip, by what each costs to load. */
const BATCH_META = 2000;
const BATCH_HEADER = 200;
const BATCH_BODY = 25;

function parse(uid: boolean) {
  return (args: Token[]): FetchArgs => {
    if (args.length < 2) throw new ParseError("expected a sequence set and fetch items");
    const set = parseSequenceSet(atomValue(args[0], "sequence set"));
    return { set, req: parseFetchRequest(args.slice(1), { uid }) };
  };
}

/** INTERNALDATE as RFC 3501 date-time: "17-Jul-1996 09:44:25 +0000". */
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
export function imapDateTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `"${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000"`;
}

async function run(session: Session, a: FetchArgs, uidMode: boolean): Promise<CommandResult> {
  const view = session.view;
  const { req } = a;
  if (req.items.some((i) => i.kind === "binary" || i.kind === "binarySize")) {
    return no("BINARY is not supported", "CANNOT");
  }
  if (req.vanished && !session.qresync) return bad("VANISHED needs QRESYNC to be enabled");
  if (req.changedSince !== undefined || req.needs.modseq) session.condstore = true;
  let uids: Uint32Array;
  if (uidMode) uids = resolveUids(a.set, view.uids);
  else {
    const r = resolveMessageNumbers(a.set, view.uids);
    if (r.outOfRange) return bad("Invalid message sequence number");
    uids = r.uids;
  }
  const changedSince = req.changedSince === undefined ? undefined : Number(req.changedSince);
  if (req.vanished && changedSince !== undefined) {
    const gone = await session.store.vanished(
      view.folder,
      changedSince,
      uidRanges(a.set, Math.max(1, view.folder.uidNext - 1)),
    );
    if (gone.length) session.untagged(`VANISHED (EARLIER) ${formatUidSet(gone)}`);
  }
  const needs: FetchNeeds = {
    envelope: req.needs.envelope,
    bodyStructure: req.needs.bodyStructure,
    header: req.needs.header,
    body: req.needs.body,
  };
  const setSeen = req.setsSeen && !view.readOnly;
  const batch = needs.body ? BATCH_BODY : needs.header ? BATCH_HEADER : BATCH_META;
  // Responses for a batch are rendered into one buffer list and written in
  // large pieces: a FETCH 1:* FLAGS of 10,000 messages is a few writes, not
  // 10,000, and back-pressure is honoured between pieces.
  const out = new Chunks();
  // The phone's most frequent FETCH — flags of everything — takes a path
  // that builds no strings per message, and no objects where the store can.
  const fast = !setSeen && req.items.every((it) => FAST_KINDS.has(it.kind));
  if (fast && session.store.fetchFlags) {
    const fetchFlags = session.store.fetchFlags.bind(session.store);
    const recent = view.recent;
    const items = req.items;
    const visit = (uid: number, modseq: number, size: number, flags: string) => {
      const seq = view.seqOf(uid);
      if (!seq) return;
      renderFastValues(
        out,
        seq,
        uid,
        modseq,
        size,
        recent.has(uid) ? (flags ? `${flags} \\Recent` : "\\Recent") : flags,
        items,
      );
    };
    for (let i = 0; i < uids.length && !session.isClosed; i += batch) {
      await fetchFlags(view.folder, uids.subarray(i, i + batch), { changedSince }, visit);
      if (out.size >= WRITE_CHUNK_BYTES && !session.writeChunks(out.take())) await session.drain();
    }
    if (out.size && !session.writeChunks(out.take())) await session.drain();
    return ok(`${uidMode ? "UID FETCH" : "FETCH"} completed`);
  }
  for (let i = 0; i < uids.length && !session.isClosed; i += batch) {
    const slice = uids.subarray(i, i + batch);
    const msgs = await session.store.fetch(view.folder, slice, needs, { changedSince });
    let seenNow = new Set<number>();
    if (setSeen) seenNow = await markSeen(session, view, msgs);
    for (const m of msgs) {
      const seq = view.seqOf(m.uid);
      if (!seq) continue;
      // A message whose body is not in the blob store yet (a backend message
      // not downloaded) is fetched on demand, one at a time.
      if (needs.body && !m.raw) m.raw = await session.store.fetchRaw(view.folder, m.uid);
      if (fast) renderFast(out, view, seq, m, req.items);
      else render(out, session, view, seq, m, req.items, seenNow.has(m.uid));
      if (out.size >= WRITE_CHUNK_BYTES && !session.writeChunks(out.take())) await session.drain();
    }
  }
  if (out.size && !session.writeChunks(out.take())) await session.drain();
  return ok(`${uidMode ? "UID FETCH" : "FETCH"} completed`);
}

const FAST_KINDS = new Set<FetchItem["kind"]>(["uid", "flags", "modseq", "rfc822Size"]);

/** UID, FLAGS, MODSEQ and RFC822.SIZE only: bytes straight into the output buffer. */
function renderFast(out: Chunks, view: SelectedView, seq: number, m: FetchedMessage, items: FetchItem[]): void {
  renderFastValues(out, seq, m.uid, m.modseq, m.size, messageFlagText(m, view.recent.has(m.uid)), items);
}

function renderFastValues(
  out: Chunks,
  seq: number,
  uid: number,
  modseq: number,
  size: number,
  flags: string,
  items: FetchItem[],
): void {
  out.ascii("* ").int(seq).ascii(" FETCH (");
  for (let i = 0; i < items.length; i++) {
    if (i) out.ascii(" ");
    switch (items[i].kind) {
      case "uid":
        out.ascii("UID ").int(uid);
        break;
      case "flags":
        // Flags and keywords are atoms: ASCII.
        out.ascii("FLAGS (").ascii(flags).ascii(")");
        break;
      case "modseq":
        out.ascii("MODSEQ (").int(modseq).ascii(")");
        break;
      case "rfc822Size":
        out.ascii("RFC822.SIZE ").int(size);
        break;
    }
  }
  out.ascii(")\r\n");
}

/**
 * Output is handed to the socket in pieces of about this size: small enough
 * that the client parses the first responses while later ones are rendered
 * (on two cores that overlap is worth 20% on a FETCH 1:* FLAGS), large
 * enough that a big FETCH is a few hundred writes, not one per message.
 */
const WRITE_CHUNK_BYTES = 32 * 1024;

/** A non-PEEK body fetch sets \Seen (RFC 3501 §6.4.5); done per batch, before the responses. */
async function markSeen(session: Session, view: SelectedView, msgs: FetchedMessage[]): Promise<Set<number>> {
  const unseen = msgs.filter((m) => !m.flags.includes("\\Seen")).map((m) => m.uid);
  const changed = new Set<number>();
  if (!unseen.length) return changed;
  const r = await session.store.store(view.folder, unseen, { mode: "add", flags: ["\\Seen"] });
  const byUid = new Map(r.changed.map((c) => [c.uid, c]));
  for (const m of msgs) {
    const c = byUid.get(m.uid);
    if (!c) continue;
    m.flags = c.flags;
    m.modseq = c.modseq;
    view.ownChanges.set(c.uid, c.modseq);
    changed.add(c.uid);
  }
  return changed;
}

function messageFlagText(m: FetchedMessage, recent: boolean): string {
  if (m.flagsText === undefined) return flagText(m.flags, recent);
  if (!recent) return m.flagsText;
  return m.flagsText ? `${m.flagsText} \\Recent` : "\\Recent";
}

/** The raw message of m; loaded by run() before render when any item needs it. */
function rawOf(m: FetchedMessage): Buffer {
  if (!m.raw) throw new Error("message body was not loaded");
  return m.raw;
}

/** Parsed once per message, only for items that need the MIME tree. */
const trees = new WeakMap<Buffer, MimePart>();
function treeOf(m: FetchedMessage): MimePart {
  const raw = rawOf(m);
  let t = trees.get(raw);
  if (!t) {
    t = parseMessage(raw);
    trees.set(raw, t);
  }
  return t;
}

// No closures in here: this runs once per message of a FETCH 1:*.
function render(
  out: Chunks,
  session: Session,
  view: SelectedView,
  seq: number,
  m: FetchedMessage,
  items: FetchItem[],
  seenChanged: boolean,
): void {
  // The line is built as one string and handed to `out` once (or around
  // each literal): one native write per message, not one per item.
  let line = `* ${seq} FETCH (`;
  let flagsSent = false;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (i) line += " ";
    switch (item.kind) {
      case "uid":
        line += `UID ${m.uid}`;
        break;
      case "flags":
        line += `FLAGS (${messageFlagText(m, view.recent.has(m.uid))})`;
        flagsSent = true;
        break;
      case "internalDate":
        line += `INTERNALDATE ${imapDateTime(m.internalDate)}`;
        break;
      case "rfc822Size":
        line += `RFC822.SIZE ${m.size}`;
        break;
      case "modseq":
        line += `MODSEQ (${m.modseq})`;
        break;
      case "envelope": {
        const env = (m.envelope as Envelope | undefined) ?? parseEnvelope(m.header ?? rawOf(m));
        out.add(line + "ENVELOPE ");
        line = "";
        writeValue(out, envelopeValue(env), session.encodeOptions);
        break;
      }
      case "body":
      case "bodyStructure": {
        const bs = (m.bodyStructure as BodyStructure | undefined) ?? analyzeMessage(rawOf(m)).bodyStructure;
        out.add(line + (item.kind === "body" ? "BODY " : "BODYSTRUCTURE "));
        line = "";
        writeValue(out, bodyStructureValue(bs, { extended: item.kind === "bodyStructure" }), session.encodeOptions);
        break;
      }
      case "rfc822":
        out.add(line + "RFC822 ");
        line = "";
        writeValue(out, literal(rawOf(m)));
        break;
      case "rfc822Header":
        out.add(line + "RFC822.HEADER ");
        line = "";
        writeValue(out, literal(m.header ?? extractSection(rawOf(m), treeOf(m), { path: [], kind: "HEADER" })));
        break;
      case "rfc822Text":
        out.add(line + "RFC822.TEXT ");
        line = "";
        writeValue(out, literal(extractSection(rawOf(m), treeOf(m), { path: [], kind: "TEXT" })));
        break;
      case "bodySection": {
        const { section, partial } = item;
        let data: Buffer;
        if (m.header && !m.raw && section.path.length === 0 && section.kind.startsWith("HEADER")) {
          // The header block alone answers top-level HEADER/HEADER.FIELDS without the body.
          data = section.kind === "HEADER" ? m.header : extractSection(m.header, parseMessage(m.header), section);
        } else {
          data = extractSection(rawOf(m), treeOf(m), section);
        }
        out.add(line + `${item.name} `);
        line = "";
        writeValue(out, literal(applyPartial(data, partial)));
        break;
      }
      case "binary":
      case "binarySize":
        // Refused before any output (run()).
        break;
    }
  }
  // RFC 3501 §6.4.5: when \Seen is set as a side effect, the new flags are sent.
  if (seenChanged && !flagsSent) line += ` FLAGS (${flagText(m.flags, view.recent.has(m.uid))})`;
  out.add(`${line})\r\n`);
}

export const fetch = defineCommand({
  name: "FETCH",
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering FETCH.
  expungeAllowed: false,
  parse: parse(false),
  run: (session, a) => run(session, a, false),
});

export const uidFetch = defineCommand({
  name: "UID FETCH",
  states: SELECTED,
  expungeAllowed: true,
  parse: parse(true),
  run: (session, a) => run(session, a, true),
});
