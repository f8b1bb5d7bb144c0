// tag LOGIN userid password
import { astring, expectCount } from "../args.ts";
import { type CommandResult, defineCommand, no, ok } from "../command.ts";
import type { Session } from "../session.ts";

export const login = defineCommand({
  name: "LOGIN",
  states: ["notAuthenticated"],
  expungeAllowed: true,
  parse(args) {
    expectCount(args, 2);
    return { user: astring(args[0], "user name"), password: astring(args[1], "password") };
  },
  async run(session, { user, password }) {
    if (!session.authAllowed) {
      // RFC 3501 §6.2.3 with LOGINDISABLED: never take a password in the clear.
      return no("Plaintext authentication disallowed on non-secure connections; use STARTTLS", "PRIVACYREQUIRED");
    }
    return completeLogin(session, user, password);
  },
});

/** Shared by LOGIN and AUTHENTICATE PLAIN. */
export async function completeLogin(session: Session, user: string, password: string): Promise<CommandResult> {
  const r = await session.auth.login(user, password, {
    id: session.info.id,
    remoteAddress: session.info.remoteAddress,
    clientId: session.clientId,
  });
  if (!r.ok && r.reason === "tooManySessions")
    return no("Too many connections to this mailbox from your address; close some and try again", "LIMIT");
  if (!r.ok) {
    session.noteAuthFailure();
    if (r.reason === "unavailable")
      return no("Authentication is temporarily unavailable; try again soon", "UNAVAILABLE");
    if (r.reason === "rateLimited") return no("Too many failed logins; try again later", "LIMIT");
    return no("Authentication failed", "AUTHENTICATIONFAILED");
  }
  session.loggedIn(r.user, r.store);
  if (r.alert) session.untagged(`OK [ALERT] ${r.alert.replace(/[^\x20-\x7e]/g, "?")}`);
  // The new capabilities ride on the OK, as Dovecot does; clients skip a round trip.
  return ok("Logged in", `CAPABILITY ${session.capabilities().join(" ")}`);
}
