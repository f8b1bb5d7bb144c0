// The IMAP backend driver, on imapflow: a mailbox at any IMAP server synced
// into Postern's index (see session.ts for what a connection offers).
import type { BackendAccount, BackendDriver, BackendSession } from "../types.ts";
import { openClient } from "./connection.ts";
import { ImapSession } from "./session.ts";

export const imapDriver: BackendDriver = {
  kind: "imap",
  async connect(account: BackendAccount): Promise<BackendSession> {
    return new ImapSession(account, await openClient(account, "commands"));
  },
};
