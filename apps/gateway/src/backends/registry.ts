// Backend drivers by kind. A kind without a driver here cannot be synced yet;
// the sync manager says so in the mailbox's status instead of failing.
import { imapDriver } from "./imap/index.ts";
import { pop3Driver } from "./pop3/index.ts";
import type { BackendDriver } from "./types.ts";

const DRIVERS: Partial<Record<string, BackendDriver>> = {
  imap: imapDriver,
  pop3: pop3Driver,
};

export function driverFor(kind: string): BackendDriver | undefined {
  return DRIVERS[kind];
}
