// tag CLOSE   (RFC 3501 §6.4.2): expunge \Deleted silently, then deselect.
import { expectNoArgs } from "../args.ts";
import { defineCommand, ok, SELECTED } from "../command.ts";

export const close = defineCommand({
  name: "CLOSE",
  states: SELECTED,
  expungeAllowed: false,
  parse: expectNoArgs,
  async run(session) {
    const view = session.view;
    session.deselect();
    if (!view.readOnly) await session.store.expunge(view.folder);
    return ok("CLOSE completed");
  },
});
