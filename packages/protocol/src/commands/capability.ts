// tag CAPABILITY

import { expectNoArgs } from "../args.ts";
import { ANY_STATE, defineCommand, ok } from "../command.ts";

export const capability = defineCommand({
  name: "CAPABILITY",
  states: ANY_STATE,
  expungeAllowed: true,
  parse: expectNoArgs,
  async run(session) {
    session.untagged(`CAPABILITY ${session.capabilities().join(" ")}`);
    return ok("CAPABILITY completed");
  },
});
