// One-time tokens in links (enrollment, password reset, email verification,
// invitations): 256 random bits travel once, in the link; only their SHA-256
// is stored, so a database dump cannot be replayed.
import { createHash } from "node:crypto";
import { generateToken } from "../passwords.ts";

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new token and the hash to store. */
export function newToken(): { token: string; tokenHash: string } {
  const token = generateToken(32);
  return { token, tokenHash: hashToken(token) };
}

/** Tokens are base64url of 32 bytes: anything else is not worth a query. */
export function looksLikeToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{32,64}$/.test(token);
}
