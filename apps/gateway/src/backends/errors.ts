// What a phone is told when a backend fails, per code of the store's error
// vocabulary: one table for every backend kind. A StoreError's message may
// reach a phone; the backend's own words go only in its `detail` (the log).
import { StoreError, type StoreErrorCode } from "@postern/protocol";

export const BACKEND_WORDS: Record<StoreErrorCode, string> = {
  nonexistent: "No such folder or message at the mail server",
  alreadyExists: "The folder already exists at the mail server",
  notPossible: "The mail server refused the operation",
  noPerm: "The mail server does not allow this",
  unavailable: "The mail server is unavailable",
  overQuota: "The mailbox is over quota at the mail server",
  tooBig: "The message is too big for the mail server",
  inUse: "The mail server is busy; try again later",
  hasChildren: "The folder has subfolders at the mail server",
  limit: "The mail server's limit was reached",
  expungeIssued: "The message was deleted at the mail server",
  authFailed: "The mail server rejected Postern's login",
  serverBug: "The mail server failed",
};

/** A StoreError in the shared words (or `words` for this backend, where it says it better). */
export function backendError(
  code: StoreErrorCode,
  detail?: string,
  words: Partial<Record<StoreErrorCode, string>> = {},
): StoreError {
  return new StoreError(code, words[code] ?? BACKEND_WORDS[code], detail);
}
