// tag NAMESPACE   (RFC 2342): one personal namespace, no prefix, "/" delimiter.
import { expectNoArgs } from "../args.ts";
import { AUTHENTICATED, defineCommand, ok } from "../command.ts";

export const namespace = defineCommand({
  name: "NAMESPACE",
  states: AUTHENTICATED,
  expungeAllowed: true,
  parse: expectNoArgs,
  async run(session) {
    session.untagged(`NAMESPACE (("" "${session.store.delimiter}")) NIL NIL`);
    return ok("NAMESPACE completed");
  },
});
