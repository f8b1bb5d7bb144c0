// Backend secrets (passwords, OAuth refresh tokens, relay passwords) are
// encrypted at rest with AES-256-GCM. The key never enters the database: it
// comes from POSTERN_SECRET_KEY or from a key file generated on first start in
// the data directory. Every ciphertext names the id of the key that made it,
// so keys can be rotated: the first key encrypts, every listed key decrypts.
//
// Ciphertext format: v1.<keyId>.<iv>.<tag>.<ciphertext>   (base64url parts)
// The optional context (e.g. "mailbox:<uuid>") is bound as additional
// authenticated data, so a ciphertext copied onto another row — another
// tenant's mailbox, say — does not decrypt.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export const KEY_FILE = "secret.key";

export interface SecretKey {
  id: string;
  key: Buffer;
}

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretError";
  }
}

export class Keyring {
  readonly keys: SecretKey[];
  constructor(keys: Buffer[]) {
    if (!keys.length) throw new SecretError("no secret key configured");
    this.keys = keys.map((key) => {
      if (key.length !== 32) throw new SecretError("a secret key must be 32 bytes (base64 or hex of 32 bytes)");
      return { id: keyId(key), key };
    });
  }

  get active(): SecretKey {
    return this.keys[0];
  }

  encrypt(plaintext: string, context = ""): string {
    const { id, key } = this.active;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ["v1", id, iv.toString("base64url"), tag.toString("base64url"), ct.toString("base64url")].join(".");
  }

  decrypt(ciphertext: string, context = ""): string {
    const parts = ciphertext.split(".");
    if (parts.length !== 5 || parts[0] !== "v1") throw new SecretError("not a Postern secret ciphertext");
    const [, id, iv, tag, ct] = parts;
    const entry = this.keys.find((k) => k.id === id);
    if (!entry) throw new SecretError(`secret was encrypted with key ${id}, which is not configured`);
    const decipher = createDecipheriv("aes-256-gcm", entry.key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretError("secret does not decrypt: wrong key or tampered ciphertext");
    }
  }

  /** The key id a ciphertext was made with. */
  static keyIdOf(ciphertext: string): string | null {
    const parts = ciphertext.split(".");
    return parts.length === 5 ? parts[1] : null;
  }
}

export function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

function parseKey(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, "hex");
  const b = Buffer.from(t, "base64");
  if (b.length !== 32) throw new SecretError("a secret key must be 32 bytes, written as base64 or 64 hex digits");
  return b;
}

export function parseKeyList(text: string): Buffer[] {
  return text
    .split(/[\s,]+/)
    .filter((s) => s && !s.startsWith("#"))
    .map(parseKey);
}

export function newKey(): string {
  return randomBytes(32).toString("base64");
}

/**
 * The keyring of this installation: POSTERN_SECRET_KEY (comma-separated,
 * newest first) if set, else <dataDir>/secret.key, created (mode 0600) on
 * first use.
 */
export async function loadKeyring(opts: { dataDir: string; env?: NodeJS.ProcessEnv }): Promise<Keyring> {
  const env = opts.env ?? process.env;
  if (env.POSTERN_SECRET_KEY) return new Keyring(parseKeyList(env.POSTERN_SECRET_KEY));
  const file = path.join(opts.dataDir, KEY_FILE);
  try {
    return new Keyring(parseKeyList(await readFile(file, "utf8")));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(opts.dataDir, { recursive: true });
  await writeFile(file, `${newKey()}\n`, { mode: 0o600, flag: "wx" }).catch((err) => {
    // Another process created it at the same moment: use theirs.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  });
  await chmod(file, 0o600);
  return new Keyring(parseKeyList(await readFile(file, "utf8")));
}

/** Put a new key in front of the key file (old keys stay, to decrypt). */
export async function addKeyToFile(dataDir: string): Promise<string> {
  const file = path.join(dataDir, KEY_FILE);
  const existing = await readFile(file, "utf8").catch(() => "");
  const key = newKey();
  await writeFile(file, `${key}\n${existing}`, { mode: 0o600 });
  return keyId(parseKey(key));
}
