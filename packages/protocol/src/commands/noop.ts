// tag NOOP — also the phone's poll: pending mailbox updates go out with its OK.
import { expectNoArgs } from "../args.ts";
import { ANY_STATE, defineCommand, ok } from "../command.ts";

export const noop = defineCommand({
  name: "NOOP",
  states: ANY_STATE,
  expungeAllowed: true,
  parse: expectNoArgs,
  async run(session) {
    await session.syncView({ expungeAllowed: true, force: true });
    return ok("NOOP completed");
  },
});
