// tag STORE sequence-set [(UNCHANGEDSINCE n)] (+|-)FLAGS[.SILENT] flags
// tag UID STORE …   (RFC 3501 §6.4.6; CONDSTORE RFC 7162 §3.1.3)
import { atomValue } from "../args.ts";
import { bad, type CommandResult, defineCommand, no, ok, SELECTED } from "../command.ts";
import { parseFlags } from "../flags.ts";
import {
  formatUidSet,
  parseModSeq,
  parseSequenceSet,
  resolveMessageNumbers,
  resolveUids,
  type SequenceSet,
} from "../sequence.ts";
import type { Session } from "../session.ts";
import type { StoreMode } from "../store.ts";
import { ParseError, type Token } from "../wire/tokens.ts";

interface StoreArgs {
  set: SequenceSet;
  unchangedSince?: number;
  mode: StoreMode;
  silent: boolean;
  flags: string[];
}

function parse(args: Token[]): StoreArgs {
  if (args.length < 3) throw new ParseError("expected a sequence set, an action and flags");
  const set = parseSequenceSet(atomValue(args[0], "sequence set"));
  let i = 1;
  let unchangedSince: number | undefined;
  if (args[1].type === "list") {
    const mods = args[1].items;
    if (mods.length !== 2 || atomValue(mods[0], "modifier").toUpperCase() !== "UNCHANGEDSINCE") {
      throw new ParseError("expected (UNCHANGEDSINCE mod-sequence)");
    }
    unchangedSince = Number(parseModSeq(mods[1], "UNCHANGEDSINCE value"));
    i = 2;
  }
  const action = atomValue(args[i], "store action").toUpperCase();
  const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(action);
  if (!m) throw new ParseError("expected FLAGS, +FLAGS or -FLAGS");
  const parsed = parseFlags(args.slice(i + 1));
  return {
    set,
    unchangedSince,
    mode: m[1] === "+" ? "add" : m[1] === "-" ? "remove" : "replace",
    silent: Boolean(m[2]),
    flags: [...parsed.system, ...parsed.keywords],
  };
}

async function run(session: Session, a: StoreArgs, uidMode: boolean): Promise<CommandResult> {
  const view = session.view;
  if (view.readOnly) return no("Mailbox is read-only", "READ-ONLY");
  if (a.unchangedSince !== undefined) session.condstore = true;
  let uids: Uint32Array;
  if (uidMode) uids = resolveUids(a.set, view.uids);
  else {
    const r = resolveMessageNumbers(a.set, view.uids);
    if (r.outOfRange) return bad("Invalid message sequence number");
    uids = r.uids;
  }
  const r = await session.store.store(view.folder, uids, {
    mode: a.mode,
    flags: a.flags,
    unchangedSince: a.unchangedSince,
  });
  for (const c of r.changed) view.ownChanges.set(c.uid, c.modseq);
  // RFC 7162 §3.1.3: with CONDSTORE the MODSEQ of changed messages is
  // reported even for .SILENT.
  const report = a.silent ? (session.condstore ? r.changed : []) : [...r.changed, ...r.unchanged];
  report.sort((x, y) => x.uid - y.uid);
  for (const m of report) {
    const seq = view.seqOf(m.uid);
    if (!seq) continue;
    const text = a.silent ? `MODSEQ (${m.modseq})` : session.fetchFlagsText(view, m, uidMode || session.qresync);
    session.untagged(`${seq} FETCH (${a.silent && uidMode ? `UID ${m.uid} ` : ""}${text})`);
  }
  if (r.modified.length) {
    const ids = uidMode ? r.modified : r.modified.map((u) => view.seqOf(u)).filter((s) => s > 0);
    return ok("Conditional STORE failed for some messages", `MODIFIED ${formatUidSet(ids.sort((x, y) => x - y))}`);
  }
  return ok(`${uidMode ? "UID STORE" : "STORE"} completed`);
}

export const store = defineCommand({
  name: "STORE",
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering STORE.
  expungeAllowed: false,
  parse,
  run: (session, a) => run(session, a, false),
});

export const uidStore = defineCommand({
  name: "UID STORE",
  states: SELECTED,
  expungeAllowed: true,
  parse,
  run: (session, a) => run(session, a, true),
});
