// The folders every new mailbox starts with. Phones look for the special-use
// folders (RFC 6154) and some clients (Thunderbird among them) show only
// subscribed folders, so all of them are created subscribed.
import type { BackendKind } from "../generated/prisma/client.ts";
import type { ProvisioningContext } from "./context.ts";

type Tx = Pick<ProvisioningContext["prisma"], "$executeRaw">;

export const STANDARD_FOLDERS: ReadonlyArray<{ name: string; specialUse: string | null }> = [
  { name: "INBOX", specialUse: null },
  { name: "Drafts", specialUse: "\\Drafts" },
  { name: "Sent", specialUse: "\\Sent" },
  { name: "Archive", specialUse: "\\Archive" },
  { name: "Junk", specialUse: "\\Junk" },
  { name: "Trash", specialUse: "\\Trash" },
];

/** Kinds whose folders Postern keeps itself; the others get theirs from the backend's folder list. */
export function posternHostsFolders(kind: BackendKind): boolean {
  return kind === "hosted" || kind === "pop3";
}

export async function createStandardFolders(tx: Tx, mailboxId: string, kind: BackendKind): Promise<void> {
  const folders = posternHostsFolders(kind) ? STANDARD_FOLDERS : STANDARD_FOLDERS.slice(0, 1);
  for (const f of folders) {
    await tx.$executeRaw`
      INSERT INTO folder (mailbox_id, name, uid_validity, special_use, subscribed)
      VALUES (${mailboxId}::uuid, ${f.name}, nextval('uid_validity_seq'), ${f.specialUse}, true)
      ON CONFLICT (mailbox_id, name) DO NOTHING`;
  }
}
