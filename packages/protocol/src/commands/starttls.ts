// tag STARTTLS — RFC 3501 §6.2.1, RFC 2595 §3.1

import { expectNoArgs } from "../args.ts";
import { defineCommand, no, ok } from "../command.ts";

export const starttls = defineCommand({
  name: "STARTTLS",
  states: ["notAuthenticated"],
  expungeAllowed: true,
  parse: expectNoArgs,
  async run(session) {
    if (session.info.secure) return no("TLS is already active");
    if (!session.canStartTls) return no("STARTTLS is not available");
    // The OK goes out in the clear, then the handshake; the session discards
    // anything the client pipelined after STARTTLS (command injection).
    session.afterResponse(() => session.upgradeTls());
    return ok("Begin TLS negotiation now");
  },
});
