// Slow hashing for device app passwords and portal passwords (scrypt, from
// Node's crypto: no native addon to build), and app-password generation.
import { randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual } from "node:crypto";

// N=2^15, r=8, p=1: ~32 MiB and ~60 ms per hash on this class of machine —
// OWASP's scrypt floor is N=2^17 with p=1 for interactive logins, but phones
// reconnect constantly, so the gateway verifies once and then keeps a keyed
// digest in memory (DESIGN.md "Logins are frequent on phones").
const N = 1 << 15;
const R = 8;
const P = 1;
const KEYLEN = 32;
const MAXMEM = 64 * 1024 * 1024;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize("NFKC"), salt, KEYLEN, { N: n, r, p, maxmem: MAXMEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash, "base64url");
  const actual = await scrypt(password, Buffer.from(salt, "base64url"), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// No 0/o, 1/l/i: read off a screen and typed on a phone keyboard.
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** An app password like `k7dm-q2xa-8hvn-tr4e`: 16 symbols of 31, ~79 bits. */
export function generateAppPassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let s = "";
    for (let i = 0; i < 4; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(s);
  }
  return groups.join("-");
}

/** A URL-safe random token (enrollment links, password resets). */
export function generateToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}
