// One function maps the store's error vocabulary to IMAP responses
// (RFC 5530 response codes), as Dovecot's imap_get_error_string() does.
// The message of a StoreError is written for clients; detail is never sent.
import type { CommandResult } from "./command.ts";
import { StoreError, type StoreErrorCode } from "./store.ts";

const CODES: Record<StoreErrorCode, string> = {
  nonexistent: "NONEXISTENT",
  alreadyExists: "ALREADYEXISTS",
  notPossible: "CANNOT",
  noPerm: "NOPERM",
  unavailable: "UNAVAILABLE",
  overQuota: "OVERQUOTA",
  tooBig: "TOOBIG",
  inUse: "INUSE",
  // RFC 9051 §7.1: the response code for DELETE of a mailbox with children.
  hasChildren: "HASCHILDREN",
  limit: "LIMIT",
  expungeIssued: "EXPUNGEISSUED",
  // The backend refused Postern's stored credentials: to the phone, the
  // mail system is unavailable (and an [ALERT] at login says why).
  authFailed: "UNAVAILABLE",
  serverBug: "SERVERBUG",
};

export function storeErrorResult(err: StoreError): CommandResult {
  // COPY/MOVE/APPEND to a missing mailbox: the client may CREATE and retry (RFC 3501 §6.4.7).
  const code = err.code === "nonexistent" && err.detail === "TRYCREATE" ? "TRYCREATE" : CODES[err.code];
  return { status: "NO", code, text: err.message };
}

export function isStoreError(err: unknown): err is StoreError {
  return err instanceof StoreError;
}
