// imapflow's failures, in the store's error vocabulary. The message of a
// StoreError may reach a phone; the backend's own words go only in `detail`
// (for the log).
import { StoreError, type StoreErrorCode } from "@postern/protocol";
import type { ImapFlowError } from "imapflow";
import { backendError } from "../errors.ts";

/** RFC 5530 response codes (and a few older ones) → the store's codes. */
const RESPONSE_CODES = new Map<string, StoreErrorCode>([
  ["NONEXISTENT", "nonexistent"],
  // RFC 3501 §6.4.7: COPY/APPEND to a missing mailbox.
  ["TRYCREATE", "nonexistent"],
  ["ALREADYEXISTS", "alreadyExists"],
  ["NOPERM", "noPerm"],
  ["OVERQUOTA", "overQuota"],
  ["TOOBIG", "tooBig"],
  ["APPENDLIMIT", "tooBig"],
  ["LIMIT", "limit"],
  ["INUSE", "inUse"],
  ["UNAVAILABLE", "unavailable"],
  ["SERVERBUG", "unavailable"],
  ["EXPUNGEISSUED", "expungeIssued"],
  ["HASCHILDREN", "hasChildren"],
  ["AUTHENTICATIONFAILED", "authFailed"],
  ["AUTHORIZATIONFAILED", "authFailed"],
  ["EXPIRED", "authFailed"],
  ["CANNOT", "notPossible"],
  ["CLIENTBUG", "notPossible"],
  ["READ-ONLY", "noPerm"],
]);

export function storeError(code: StoreErrorCode, detail?: string): StoreError {
  return backendError(code, detail);
}

function isStoreError(err: unknown): err is StoreError {
  return err instanceof StoreError;
}

/** The backend's words about a failure, for `detail`. Never includes the password: imapflow does not echo it. */
function describe(err: ImapFlowError): string {
  const parts = [err.code, err.serverResponseCode, typeof err.response === "string" ? err.response : err.message];
  return parts.filter((p): p is string => Boolean(p)).join(": ");
}

/** Map anything imapflow (or the socket under it) throws. */
export function toStoreError(raw: unknown, context?: string): StoreError {
  if (isStoreError(raw)) return raw;
  const err = (raw ?? {}) as ImapFlowError;
  const detail = [context, describe(err)].filter(Boolean).join(" — ");
  // A throttled command was not refused: the server asks us to come back later.
  if (err.code === "ETHROTTLE") return storeError("unavailable", detail);
  if (err.authenticationFailed) return storeError("authFailed", detail);
  if (err.mailboxMissing) return storeError("nonexistent", detail);
  const code = err.serverResponseCode?.toUpperCase();
  const mapped = code ? RESPONSE_CODES.get(code) : undefined;
  if (mapped) return storeError(mapped, detail);
  // A tagged NO or BAD without a code we know: the server refused, and retrying will not change its mind.
  if (err.responseStatus === "NO" || err.responseStatus === "BAD") return storeError("notPossible", detail);
  // STARTTLS required but not offered: a configuration (or downgrade) problem, not an outage.
  if (err.tlsFailed && /STARTTLS/i.test(err.message)) return storeError("notPossible", detail);
  // Everything else is the connection: refused, reset, timed out, TLS handshake, DNS.
  return storeError("unavailable", detail);
}
