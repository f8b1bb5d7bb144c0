// tag AUTHENTICATE mechanism [initial-response]   (RFC 3501 §6.2.2, SASL-IR RFC 4959, PLAIN RFC 4616)
import { atomValue } from "../args.ts";
import { bad, defineCommand, no } from "../command.ts";
import { ParseError } from "../wire/tokens.ts";
import { completeLogin } from "./login.ts";

export const authenticate = defineCommand({
  name: "AUTHENTICATE",
  states: ["notAuthenticated"],
  expungeAllowed: true,
  parse(args) {
    if (!args.length || args.length > 2) throw new ParseError("expected a mechanism and an optional initial response");
    return {
      mechanism: atomValue(args[0], "mechanism").toUpperCase(),
      initial: args[1] ? atomValue(args[1], "initial response") : undefined,
    };
  },
  async run(session, { mechanism, initial }) {
    if (mechanism !== "PLAIN") return no(`Unsupported authentication mechanism ${mechanism}`, "CANNOT");
    if (!session.authAllowed) {
      return no("Plaintext authentication disallowed on non-secure connections; use STARTTLS", "PRIVACYREQUIRED");
    }
    let response = initial;
    if (response === undefined) {
      session.writeLine("+ ");
      const line = await session.readLine();
      if (line === null) return no("Connection closed");
      response = line.toString("latin1").trim();
    }
    if (response === "*") return bad("Authentication cancelled");
    // "=" is an empty initial response (RFC 4959).
    const decoded = response === "=" ? Buffer.alloc(0) : decodeBase64Strict(response);
    if (!decoded) return bad("Invalid base64 in the SASL response");
    const parts = decoded.toString("utf8").split("\0");
    if (parts.length !== 3) return bad("Malformed SASL PLAIN message");
    const [authzid, authcid, password] = parts;
    if (authzid && authzid.toLowerCase() !== authcid.toLowerCase()) {
      return no("Acting as another user is not allowed", "AUTHORIZATIONFAILED");
    }
    return completeLogin(session, authcid, password);
  },
});

function decodeBase64Strict(s: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return null;
  return Buffer.from(s, "base64");
}
