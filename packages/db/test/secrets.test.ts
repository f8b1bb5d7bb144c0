import { mkdtemp, readFile, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { databaseUrl, testContext, testPrisma } from "../../../test/helpers/db.ts";
import { readBackendSecret, readMailboxSecret } from "../src/provisioning/index.ts";
import { addKeyToFile, Keyring, loadKeyring, newKey, SecretError } from "../src/secrets.ts";
import { seedMailbox } from "../src/seed.ts";

const key = () => Buffer.from(newKey(), "base64");

describe("Keyring", () => {
  it("round-trips and names the key it used", () => {
    const k = new Keyring([key()]);
    const c = k.encrypt("hunter2", "mailbox:1");
    expect(c.startsWith(`v1.${k.active.id}.`)).toBe(true);
    expect(c).not.toContain("hunter2");
    expect(k.decrypt(c, "mailbox:1")).toBe("hunter2");
  });

  it("uses a fresh IV: the same secret encrypts differently each time", () => {
    const k = new Keyring([key()]);
    expect(k.encrypt("same")).not.toBe(k.encrypt("same"));
  });

  it("refuses the wrong key", () => {
    const a = new Keyring([key()]);
    const b = new Keyring([key()]);
    expect(() => b.decrypt(a.encrypt("s"))).toThrow(/not configured/);
  });

  it("refuses a ciphertext moved to another row (context is authenticated)", () => {
    const k = new Keyring([key()]);
    const c = k.encrypt("s", "mailbox:tenant-a");
    expect(() => k.decrypt(c, "mailbox:tenant-b")).toThrow(SecretError);
  });

  it("refuses a tampered ciphertext", () => {
    const k = new Keyring([key()]);
    const parts = k.encrypt("secret value").split(".");
    const ct = Buffer.from(parts[4], "base64url");
    ct[0] ^= 1;
    parts[4] = ct.toString("base64url");
    expect(() => k.decrypt(parts.join("."))).toThrow(/tampered/);
  });

  it("rotates: a new first key encrypts, the old one still decrypts", () => {
    const oldKey = key();
    const before = new Keyring([oldKey]).encrypt("s");
    const rotated = new Keyring([key(), oldKey]);
    expect(rotated.decrypt(before)).toBe("s");
    expect(Keyring.keyIdOf(rotated.encrypt("s"))).toBe(rotated.active.id);
    expect(rotated.active.id).not.toBe(Keyring.keyIdOf(before));
  });

  it("generates a 0600 key file on first start and reuses it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "postern-key-"));
    const first = await loadKeyring({ dataDir: dir, env: {} });
    const second = await loadKeyring({ dataDir: dir, env: {} });
    expect(second.active.id).toBe(first.active.id);
    expect((await stat(path.join(dir, "secret.key"))).mode & 0o777).toBe(0o600);
    const newId = await addKeyToFile(dir);
    const third = await loadKeyring({ dataDir: dir, env: {} });
    expect(third.active.id).toBe(newId);
    expect(third.keys.map((k) => k.id)).toContain(first.active.id);
    expect((await readFile(path.join(dir, "secret.key"), "utf8")).trim().split("\n")).toHaveLength(2);
  });

  it("takes POSTERN_SECRET_KEY over the key file, and rejects a malformed one", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "postern-key-"));
    const k = newKey();
    const ring = await loadKeyring({ dataDir: dir, env: { POSTERN_SECRET_KEY: k } });
    expect(ring.active.key.equals(Buffer.from(k, "base64"))).toBe(true);
    await expect(loadKeyring({ dataDir: dir, env: { POSTERN_SECRET_KEY: "too-short" } })).rejects.toThrow(/32 bytes/);
  });
});

describe("secrets at rest", () => {
  const client = new pg.Client({ connectionString: databaseUrl() });
  afterAll(() => client.end());

  it("stores backend and mailbox passwords only encrypted; the plaintext is nowhere in the database", async () => {
    const ctx = testContext();
    const mailboxPassword = `mbx-${Math.random().toString(36).slice(2)}-Plaintext`;
    const relayPassword = `relay-${Math.random().toString(36).slice(2)}-Plaintext`;
    const m = await seedMailbox(ctx, {
      kind: "imap",
      backend: { host: "imap.example.net", secret: relayPassword },
      backendPassword: mailboxPassword,
    });
    await client.connect();
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    expect(tables.rows.length).toBeGreaterThan(10);
    for (const { table_name } of tables.rows) {
      const rows = await client.query(`SELECT t::text AS row FROM "${table_name}" t`);
      for (const { row } of rows.rows) {
        expect(row, `table ${table_name}`).not.toContain(mailboxPassword);
        expect(row, `table ${table_name}`).not.toContain(relayPassword);
        expect(row, `table ${table_name}`).not.toContain(m.password);
      }
    }
    // The ciphertext is there, and decrypts with the right key only.
    const stored = await client.query("SELECT secret_cipher FROM mailbox WHERE id = $1", [m.mailboxId]);
    expect(stored.rows[0].secret_cipher).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(await readMailboxSecret(ctx, m.mailboxId)).toBe(mailboxPassword);
    expect(await readBackendSecret(ctx, m.backendId)).toBe(relayPassword);
    const stranger = testContext({ keyring: new Keyring([key()]) });
    await expect(readMailboxSecret(stranger, m.mailboxId)).rejects.toThrow(SecretError);
  });

  it("leaves secret columns out of query results unless asked for", async () => {
    const ctx = testContext();
    const m = await seedMailbox(ctx, { kind: "pop3", backend: { host: "pop.example.net" }, backendPassword: "pw" });
    const mailbox = await testPrisma().mailbox.findUnique({ where: { id: m.mailboxId } });
    expect(mailbox).not.toBeNull();
    expect(mailbox).not.toHaveProperty("secretCipher");
    const device = await testPrisma().device.findUnique({ where: { id: m.deviceId } });
    expect(device).not.toHaveProperty("passwordHash");
    const explicit = await testPrisma().mailbox.findUnique({
      where: { id: m.mailboxId },
      select: { secretCipher: true },
    });
    expect(explicit?.secretCipher).toMatch(/^v1\./);
  });
});
