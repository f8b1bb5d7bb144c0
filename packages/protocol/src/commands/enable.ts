// tag ENABLE capability…   (RFC 5161; CONDSTORE and QRESYNC, RFC 7162 §3.2.3)
import { atomValue } from "../args.ts";
import { defineCommand, ok } from "../command.ts";
import { ParseError } from "../wire/tokens.ts";

export const enable = defineCommand({
  name: "ENABLE",
  states: ["authenticated"],
  expungeAllowed: true,
  parse(args) {
    if (!args.length) throw new ParseError("expected at least one capability");
    return args.map((t) => atomValue(t, "capability").toUpperCase());
  },
  async run(session, caps) {
    const enabled: string[] = [];
    for (const cap of caps) {
      if (cap === "CONDSTORE" && !session.condstore) {
        session.condstore = true;
        enabled.push("CONDSTORE");
      } else if (cap === "QRESYNC" && !session.qresync) {
        // QRESYNC implies CONDSTORE.
        session.qresync = true;
        session.condstore = true;
        enabled.push("QRESYNC");
      }
    }
    session.untagged(enabled.length ? `ENABLED ${enabled.join(" ")}` : "ENABLED");
    return ok("ENABLE completed");
  },
});
