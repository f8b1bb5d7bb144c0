// In-memory rate limits for signup and sign-in, per client address and per
// email: a fixed window per key. One portal process holds them; a restart
// forgets them (acceptable: they slow guessing, the scrypt hash does the rest).
import "server-only";

interface Window {
  count: number;
  resetAt: number;
}

export interface Limit {
  name: string;
  max: number;
  windowMs: number;
}

const buckets = new Map<string, Window>();
let lastSweep = Date.now();

function sweep(now: number) {
  if (now - lastSweep < 60_000) return;
  lastSweep = now;
  for (const [k, w] of buckets) if (w.resetAt <= now) buckets.delete(k);
}

/** Minutes until `key` may try again under `limit`, or 0 when it may now. Does not count. */
export function blockedFor(limit: Limit, key: string, now = Date.now()): number {
  const w = buckets.get(`${limit.name}:${key}`);
  if (!w || w.resetAt <= now || w.count < limit.max) return 0;
  return Math.max(1, Math.ceil((w.resetAt - now) / 60_000));
}

/** Count one attempt for `key`. */
export function hit(limit: Limit, key: string, now = Date.now()): void {
  sweep(now);
  const k = `${limit.name}:${key}`;
  const w = buckets.get(k);
  if (!w || w.resetAt <= now) buckets.set(k, { count: 1, resetAt: now + limit.windowMs });
  else w.count++;
}

export function clear(limit: Limit, key: string): void {
  buckets.delete(`${limit.name}:${key}`);
}

const n = (name: string, def: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : def;
};

// Failed sign-ins: 10 per address and 30 per client in 15 minutes (as the gateway does for phones).
export const SIGNIN_PER_EMAIL: Limit = {
  name: "signin-email",
  max: n("POSTERN_SIGNIN_LIMIT_EMAIL", 10),
  windowMs: 15 * 60_000,
};
export const SIGNIN_PER_IP: Limit = { name: "signin-ip", max: n("POSTERN_SIGNIN_LIMIT_IP", 30), windowMs: 15 * 60_000 };
// Signups: 5 per client and 3 per email an hour.
export const SIGNUP_PER_IP: Limit = { name: "signup-ip", max: n("POSTERN_SIGNUP_LIMIT_IP", 5), windowMs: 60 * 60_000 };
export const SIGNUP_PER_EMAIL: Limit = { name: "signup-email", max: 3, windowMs: 60 * 60_000 };
// Password-reset mails: 5 per client and 3 per email an hour.
export const RESET_PER_IP: Limit = { name: "reset-ip", max: 5, windowMs: 60 * 60_000 };
export const RESET_PER_EMAIL: Limit = { name: "reset-email", max: 3, windowMs: 60 * 60_000 };

export function minutes(m: number): string {
  return m === 1 ? "1 minute" : `${m} minutes`;
}
