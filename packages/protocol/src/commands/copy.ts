// tag COPY sequence-set mailbox / tag UID COPY …   (RFC 3501 §6.4.7, UIDPLUS RFC 4315)
// tag MOVE sequence-set mailbox / tag UID MOVE …   (RFC 6851)
import { atomValue, expectCount } from "../args.ts";
import { bad, type CommandResult, defineCommand, ok, SELECTED } from "../command.ts";
import { mailboxArg } from "../mailbox-name.ts";
import { formatUidSet, parseSequenceSet, resolveMessageNumbers, resolveUids, type SequenceSet } from "../sequence.ts";
import type { Session } from "../session.ts";
import type { Token } from "../wire/tokens.ts";

interface CopyArgs {
  set: SequenceSet;
  dest: string;
}

function parse(args: Token[]): CopyArgs {
  expectCount(args, 2);
  return { set: parseSequenceSet(atomValue(args[0], "sequence set")), dest: mailboxArg(args[1]) };
}

async function run(session: Session, a: CopyArgs, uidMode: boolean, move: boolean): Promise<CommandResult> {
  const view = session.view;
  let uids: Uint32Array;
  if (uidMode) uids = resolveUids(a.set, view.uids);
  else {
    const r = resolveMessageNumbers(a.set, view.uids);
    if (r.outOfRange) return bad("Invalid message sequence number");
    uids = r.uids;
  }
  const name = `${uidMode ? "UID " : ""}${move ? "MOVE" : "COPY"}`;
  if (move && view.readOnly) return { status: "NO", code: "READ-ONLY", text: "Mailbox is read-only" };
  if (!uids.length) return ok(`${name} completed; no messages`);
  const r = move
    ? await session.store.move(view.folder, uids, a.dest)
    : await session.store.copy(view.folder, uids, a.dest);
  if (!r.pairs.length) return ok(`${name} completed; no messages`);
  const copyuid = `COPYUID ${r.uidValidity} ${formatUidSet(r.pairs.map((p) => p[0]))} ${formatUidSet(r.pairs.map((p) => p[1]))}`;
  if (!move) return ok(`${name} completed`, copyuid);
  // RFC 6851 §4.3: COPYUID goes in an untagged OK before the expunges.
  session.untagged(`OK [${copyuid}] Moved`);
  session.flushExpunges(
    view,
    r.pairs.map((p) => p[0]),
  );
  return ok(`${name} completed`);
}

export const copy = defineCommand({
  name: "COPY",
  states: SELECTED,
  expungeAllowed: false,
  parse,
  run: (session, a) => run(session, a, false, false),
});

export const uidCopy = defineCommand({
  name: "UID COPY",
  states: SELECTED,
  expungeAllowed: true,
  parse,
  run: (session, a) => run(session, a, true, false),
});

export const move = defineCommand({
  name: "MOVE",
  states: SELECTED,
  expungeAllowed: true,
  parse,
  run: (session, a) => run(session, a, false, true),
});

export const uidMove = defineCommand({
  name: "UID MOVE",
  states: SELECTED,
  expungeAllowed: true,
  parse,
  run: (session, a) => run(session, a, true, true),
});
