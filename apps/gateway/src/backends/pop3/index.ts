// The POP3 backend driver: a maildrop at any POP3 server (RFC 1939, with
// CAPA, STLS, SASL PLAIN and PIPELINING where offered) synced into
// Postern's INBOX. See session.ts for what a session offers, client.ts for
// the protocol client.
import { createLog } from "../../log.ts";
import type { BackendAccount, BackendDriver, BackendSession } from "../types.ts";
import { Pop3Session } from "./session.ts";
import type { SkipLog } from "./sync.ts";

let defaultLog: SkipLog | undefined;

/** Created on first use: importing the driver must not open a logger. */
function gatewayLog(): SkipLog {
  if (!defaultLog) defaultLog = createLog({ name: "pop3" });
  return defaultLog;
}

/** The driver, logging what it skips to `log` (the gateway's JSON log by default). */
export function createPop3Driver(opts: { log?: SkipLog } = {}): BackendDriver {
  return {
    kind: "pop3",
    async connect(account: BackendAccount): Promise<BackendSession> {
      const session = new Pop3Session(account, opts.log ?? gatewayLog());
      // Log in once now, so a wrong password or a refused TLS setup is reported at connect, as for IMAP.
      await session.probe();
      return session;
    },
  };
}

export const pop3Driver: BackendDriver = createPop3Driver();

export { Pop3Client, type Pop3Options } from "./client.ts";
