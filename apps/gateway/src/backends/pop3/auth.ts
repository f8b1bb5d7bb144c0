// Logging in (RFC 1939 §7, RFC 5034): SASL PLAIN with an initial response
// when the server offers it — one round trip, and the login and password
// travel as one base64 blob — else USER and PASS. Neither line is ever put
// in an error: details name the command only.
import type { Capabilities } from "./capa.ts";
import { replyError, storeError } from "./errors.ts";
import { MAX_COMMAND_BYTES } from "./limits.ts";
import type { Transport } from "./transport.ts";

export interface Credentials {
  login: string;
  password: string;
}

const LINE = { multiline: false } as const;

/** A CR, LF or NUL would end the command early or split PLAIN's fields: such credentials cannot be sent. */
function checkSendable(c: Credentials, where: string): void {
  if (/[\r\n\0]/.test(c.login) || /[\r\n\0]/.test(c.password) || !c.login) {
    throw storeError("authFailed", `${where}: the login or password contains characters POP3 cannot carry`);
  }
}

async function saslPlain(t: Transport, c: Credentials): Promise<void> {
  // RFC 4616: authzid NUL authcid NUL passwd; an empty authzid means "act as authcid".
  const blob = Buffer.from(`\0${c.login}\0${c.password}`, "utf8").toString("base64");
  const label = "AUTH PLAIN";
  const withInitial = `AUTH PLAIN ${blob}`;
  // RFC 5034 §4: a command past 255 octets must send its initial response after an empty challenge instead.
  const initial = withInitial.length + 2 <= MAX_COMMAND_BYTES;
  let reply = await t.request(initial ? withInitial : "AUTH PLAIN", LINE, label);
  if (reply.kind === "continue") {
    if (initial || reply.text !== "") {
      // PLAIN has one client message; a server asking for more is not speaking PLAIN. Cancel (RFC 5034 §4).
      await t.request("*", LINE, label);
      throw storeError("notPossible", `${t.where} ${label}: unexpected SASL challenge`);
    }
    reply = await t.request(blob, LINE, label);
  }
  if (reply.kind !== "ok") throw replyError(reply, { command: label, auth: true, where: t.where });
}

async function userPass(t: Transport, c: Credentials): Promise<void> {
  const user = await t.request(`USER ${c.login}`, LINE, "USER");
  if (user.kind !== "ok") throw replyError(user, { command: "USER", auth: true, where: t.where });
  const pass = await t.request(`PASS ${c.password}`, LINE, "PASS");
  if (pass.kind !== "ok") throw replyError(pass, { command: "PASS", auth: true, where: t.where });
}

export async function authenticate(t: Transport, caps: Capabilities, c: Credentials): Promise<void> {
  checkSendable(c, t.where);
  if (caps.sasl.has("PLAIN")) await saslPlain(t, c);
  else await userPass(t, c);
}
