import type { Prisma } from "../client.ts";
import type { Keyring } from "../secrets.ts";

/** What every provisioning function runs with: the database, the keyring, and who is acting. */
export interface ProvisioningContext {
  prisma: Prisma;
  keyring: Keyring;
  /** "cli", "user:<id>", "system" — recorded in the audit log. */
  actor: string;
  ip?: string;
}

/** Cross-process events (CLI or portal → gateway) travel on this LISTEN/NOTIFY channel. */
export const EVENTS_CHANNEL = "postern_events";

export type PosternEvent =
  | { type: "device.revoked"; deviceId: string; mailboxId: string }
  | { type: "mailbox.changed"; mailboxId: string }
  /** Sync this mailbox with its backend now (postern sync). */
  | { type: "mailbox.sync"; mailboxId: string }
  /** A phone queued changes for a mailbox another gateway syncs. */
  | { type: "mailbox.ops"; mailboxId: string }
  /** A phone opened INBOX on a gateway that does not sync this mailbox (POP3: check now). */
  | { type: "mailbox.inbox"; mailboxId: string }
  /** A gateway stopped syncing its mailboxes; another may take them. */
  | { type: "sync.released" }
  | { type: "backend.changed"; backendId: string }
  /** Mail was queued in the outbox by another process (the portal): deliver it now. */
  | { type: "outbox.queued"; id: string };
