// tag LOGOUT

import { expectNoArgs } from "../args.ts";
import { ANY_STATE, defineCommand, ok } from "../command.ts";

export const logout = defineCommand({
  name: "LOGOUT",
  states: ANY_STATE,
  expungeAllowed: true,
  parse: expectNoArgs,
  async run(session) {
    session.untagged("BYE Logging out");
    session.enterLogout();
    return ok("LOGOUT completed");
  },
});
