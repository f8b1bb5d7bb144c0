// tag ID ( field value … ) | NIL   (RFC 2971)
import { ANY_STATE, defineCommand, ok } from "../command.ts";
import { list, str } from "../wire/encoder.ts";
import { ParseError } from "../wire/tokens.ts";

const MAX_FIELDS = 30;

export const id = defineCommand({
  name: "ID",
  states: ANY_STATE,
  expungeAllowed: true,
  parse(args) {
    if (args.length !== 1) throw new ParseError("expected a parenthesised list or NIL");
    const t = args[0];
    if (t.type === "atom" && t.value.toUpperCase() === "NIL") return null;
    if (t.type !== "list" || t.items.length % 2 !== 0) throw new ParseError("expected field/value pairs");
    if (t.items.length > MAX_FIELDS * 2) throw new ParseError("too many ID fields");
    const out: Record<string, string> = {};
    for (let i = 0; i < t.items.length; i += 2) {
      const k = t.items[i];
      const v = t.items[i + 1];
      if (k.type !== "string") throw new ParseError("ID field names are strings");
      const value =
        v.type === "string"
          ? v.value.toString("utf8")
          : v.type === "atom" && v.value.toUpperCase() === "NIL"
            ? ""
            : null;
      if (value === null) throw new ParseError("ID values are strings or NIL");
      out[k.value.toString("utf8").slice(0, 30).toLowerCase()] = value.slice(0, 1024);
    }
    return out;
  },
  async run(session, fields) {
    if (fields) {
      session.clientId = fields;
      session.log.info({ conn: session.info.id, client: fields }, "client ID");
    }
    session.untaggedValues([
      { t: "atom", v: "ID" },
      list([str("name"), str(session.identity.name), str("version"), str(session.identity.version)]),
    ]);
    return ok("ID completed");
  },
});
