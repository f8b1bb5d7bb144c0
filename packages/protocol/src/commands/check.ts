// tag CHECK   (RFC 3501 §6.4.1): nothing to checkpoint (every change is committed), so a poll like NOOP.
import { expectNoArgs } from "../args.ts";
import { defineCommand, ok, SELECTED } from "../command.ts";

export const check = defineCommand({
  name: "CHECK",
  states: SELECTED,
  expungeAllowed: true,
  parse: expectNoArgs,
  async run(session) {
    await session.syncView({ expungeAllowed: true, force: true });
    return ok("CHECK completed");
  },
});
