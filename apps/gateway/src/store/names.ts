// Folder names in the index: UTF-8, "/"-delimited, INBOX in canonical case.
import { MAX_MAILBOX_DEPTH, MAX_MAILBOX_NAME_BYTES, StoreError } from "@postern/protocol";

export const DELIMITER = "/";

/** Canonical form of a folder name, or a StoreError a client can read. */
export function normalizeName(name: string): string {
  let n = name;
  if (n.endsWith(DELIMITER)) n = n.slice(0, -1);
  if (!n) throw new StoreError("notPossible", "Empty mailbox name");
  // RFC 3501 §5.1: INBOX is case-insensitive, and so is the INBOX prefix of its children.
  const first = n.split(DELIMITER, 1)[0];
  if (first.toUpperCase() === "INBOX") n = `INBOX${n.slice(first.length)}`;
  if (Buffer.byteLength(n) > MAX_MAILBOX_NAME_BYTES) throw new StoreError("limit", "Mailbox name too long");
  const parts = n.split(DELIMITER);
  if (parts.length > MAX_MAILBOX_DEPTH) throw new StoreError("limit", "Mailbox hierarchy too deep");
  if (parts.some((p) => p === "")) throw new StoreError("notPossible", "Mailbox name has an empty level");
  // Control characters have no business in a folder name and break some clients.
  if (/[\u0000-\u001f\u007f]/.test(n)) throw new StoreError("notPossible", "Mailbox name contains control characters");
  return n;
}

/** Every superior name of `name` ("a/b/c" → ["a", "a/b"]). */
export function parents(name: string): string[] {
  const parts = name.split(DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join(DELIMITER));
  return out;
}
