// tag EXPUNGE   (RFC 3501 §6.4.3)  /  tag UID EXPUNGE uid-set   (RFC 4315 §2.1)
import { atomValue, expectCount, expectNoArgs } from "../args.ts";
import { defineCommand, no, ok, SELECTED } from "../command.ts";
import { parseSequenceSet, resolveUids, type SequenceSet } from "../sequence.ts";
import type { Session } from "../session.ts";

async function run(session: Session, set: SequenceSet | null) {
  const view = session.view;
  if (view.readOnly) return no("Mailbox is read-only", "READ-ONLY");
  const uids = set ? resolveUids(set, view.uids) : undefined;
  const gone = await session.store.expunge(view.folder, uids);
  session.flushExpunges(view, gone);
  return ok("EXPUNGE completed");
}

export const expunge = defineCommand({
  name: "EXPUNGE",
  states: SELECTED,
  expungeAllowed: true,
  parse: expectNoArgs,
  run: (session) => run(session, null),
});

export const uidExpunge = defineCommand({
  name: "UID EXPUNGE",
  states: SELECTED,
  expungeAllowed: true,
  parse(args) {
    expectCount(args, 1);
    return parseSequenceSet(atomValue(args[0], "UID set"));
  },
  run: (session, set) => run(session, set),
});
