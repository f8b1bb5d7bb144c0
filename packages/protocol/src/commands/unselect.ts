// tag UNSELECT   (RFC 3691): deselect without expunging.
import { expectNoArgs } from "../args.ts";
import { defineCommand, ok, SELECTED } from "../command.ts";

export const unselect = defineCommand({
  name: "UNSELECT",
  states: SELECTED,
  expungeAllowed: false,
  parse: expectNoArgs,
  async run(session) {
    session.deselect();
    return ok("UNSELECT completed");
  },
});
