// POP3 failures in the store's error vocabulary. The message of a StoreError
// may reach a phone; the server's own words go only in `detail` (for the
// log), and never a password: details name the command, not its arguments,
// for PASS and AUTH.
import { StoreError, type StoreErrorCode } from "@postern/protocol";
import { backendError } from "../errors.ts";

/** Where POP3 (one maildrop, no folders) is better told in other words than BACKEND_WORDS. */
const POP3_WORDS: Partial<Record<StoreErrorCode, string>> = {
  nonexistent: "No such message at the mail server",
  alreadyExists: "It already exists at the mail server",
  tooBig: "The message is too big",
};

export function storeError(code: StoreErrorCode, detail?: string, message?: string): StoreError {
  return message ? new StoreError(code, message, detail) : backendError(code, detail, POP3_WORDS);
}

/**
 * The message (shown in `postern status`) when a server has no UIDL (RFC
 * 1939 §7 makes it optional): without stable ids nothing can be tracked.
 */
export const NO_UIDL = "This POP3 server does not support UIDL; Postern cannot track its messages";

/** One server answer: `+OK`, `-ERR` or a SASL continuation `+ …` (RFC 5034 §4). */
export interface Reply {
  kind: "ok" | "err" | "continue";
  /** RFC 2449 §8 extended response code, upper-cased ("IN-USE", "SYS/TEMP"), or null. */
  code: string | null;
  /** The text after the status (and code). */
  text: string;
}

/**
 * RFC 2449 §8 and RFC 3206 codes meaning "not now": the maildrop is locked
 * by another session (IN-USE), logins come too often (LOGIN-DELAY), or the
 * server has a passing problem (SYS/TEMP). Only the first level counts:
 * "clients MUST ignore unknown hierarchical detail".
 */
const TEMPORARY = new Set(["IN-USE", "LOGIN-DELAY", "SYS/TEMP"]);

function topCodes(code: string): string[] {
  const parts = code.split("/");
  return [parts[0], parts.slice(0, 2).join("/")];
}

function describe(reply: Reply): string {
  return `-ERR${reply.code ? ` [${reply.code}]` : ""} ${reply.text}`.trim();
}

/**
 * A -ERR as a StoreError. `auth` is true for the answer to PASS or AUTH,
 * where a plain -ERR means the credentials (RFC 1939 §7 gives no other
 * reason; RFC 3206 §4 [AUTH] says so explicitly).
 */
export function replyError(reply: Reply, context: { command: string; auth?: boolean; where: string }): StoreError {
  const detail = `${context.where} ${context.command}: ${describe(reply)}`;
  const codes = reply.code ? topCodes(reply.code) : [];
  if (codes.some((c) => TEMPORARY.has(c))) return storeError("unavailable", detail);
  if (codes.includes("AUTH")) return storeError("authFailed", detail);
  if (context.auth) {
    // SYS/PERM on login: the account is disabled or broken at the server; a retry with the same password will not help.
    return storeError(codes.includes("SYS/PERM") ? "notPossible" : "authFailed", detail);
  }
  return storeError("notPossible", detail);
}

/** Socket-level failures (refused, reset, DNS, TLS) as `unavailable`, with Node's code for the log. */
export function socketError(err: unknown, where: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = (err ?? {}) as { code?: string; message?: string };
  const what = [e.code, e.message].filter(Boolean).join(": ") || String(err);
  return storeError("unavailable", `${where}: ${what}`);
}
