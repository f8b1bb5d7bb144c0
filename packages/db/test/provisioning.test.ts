import { describe, expect, it } from "vitest";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { verifyPassword } from "../src/passwords.ts";
import {
  addBackend,
  addDevice,
  addMailbox,
  createTenant,
  listDevices,
  ProvisioningError,
  revokeDevice,
} from "../src/provisioning/index.ts";
import { seedMailbox, uniqueSuffix } from "../src/seed.ts";

const code = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProvisioningError) return err.code;
    throw err;
  }
  return "ok";
};

describe("provisioning", () => {
  it("creates a tenant with a slug from its name, and refuses a duplicate slug", async () => {
    const ctx = testContext();
    const s = uniqueSuffix();
    const t = await createTenant(ctx, { name: `Bäckerei Müller ${s}` });
    expect(t.slug).toBe(`backerei-muller-${s}`);
    expect(await code(createTenant(ctx, { name: "Other", slug: t.slug }))).toBe("alreadyExists");
    expect(await code(createTenant(ctx, { name: "  " }))).toBe("invalid");
    expect(await code(createTenant(ctx, { name: "X", slug: "Bad Slug" }))).toBe("invalid");
  });

  it("gives a hosted mailbox INBOX and the special-use folders, subscribed", async () => {
    const m = await seedMailbox(testContext());
    const folders = await testPrisma().folder.findMany({ where: { mailboxId: m.mailboxId }, orderBy: { name: "asc" } });
    expect(folders.map((f) => [f.name, f.specialUse, f.subscribed])).toEqual([
      ["Archive", "\\Archive", true],
      ["Drafts", "\\Drafts", true],
      ["INBOX", null, true],
      ["Junk", "\\Junk", true],
      ["Sent", "\\Sent", true],
      ["Trash", "\\Trash", true],
    ]);
    expect(new Set(folders.map((f) => f.uidValidity)).size).toBe(6);
  });

  it("keeps a mail domain to one tenant", async () => {
    const ctx = testContext();
    const a = await seedMailbox(ctx);
    const other = await createTenant(ctx, { name: "Intruder", slug: `intruder-${uniqueSuffix()}` });
    const backend = await addBackend(ctx, { tenantId: other.id, kind: "hosted" });
    const attempt = addMailbox(ctx, { tenantId: other.id, backendId: backend.id, address: `ceo@${a.domain}` });
    expect(await code(attempt)).toBe("alreadyExists");
    expect(await code(createTenant(ctx, { name: "Squatter", domains: [a.domain] }))).toBe("alreadyExists");
  });

  it("refuses another tenant's backend", async () => {
    const ctx = testContext();
    const a = await seedMailbox(ctx);
    const b = await seedMailbox(ctx);
    const attempt = addMailbox(ctx, { tenantId: b.tenant.id, backendId: a.backendId, address: `x@${b.domain}` });
    expect(await code(attempt)).toBe("notFound");
  });

  it("validates backends by kind", async () => {
    const ctx = testContext();
    const t = await createTenant(ctx, { name: "Kinds", slug: `kinds-${uniqueSuffix()}` });
    expect(await code(addBackend(ctx, { tenantId: t.id, kind: "imap" }))).toBe("invalid");
    expect(await code(addBackend(ctx, { tenantId: t.id, kind: "imap", host: "bad host!" }))).toBe("invalid");
    expect(await code(addBackend(ctx, { tenantId: t.id, kind: "ews" }))).toBe("invalid");
    expect(await code(addBackend(ctx, { tenantId: t.id, kind: "pop3", host: "p.example", port: 70000 }))).toBe(
      "invalid",
    );
    const imap = await addBackend(ctx, {
      tenantId: t.id,
      kind: "imap",
      host: "imap.example.net",
      smtpHost: "smtp.example.net",
    });
    expect([imap.port, imap.security, imap.smtpPort, imap.smtpSecurity]).toEqual([993, "tls", 587, "starttls"]);
    const pop = await addBackend(ctx, { tenantId: t.id, kind: "pop3", host: "pop.example.net", security: "starttls" });
    expect(pop.port).toBe(110);
  });

  it("adds a device whose app password is stored only as a hash, lists it, and revokes it", async () => {
    const ctx = testContext();
    const m = await seedMailbox(ctx);
    const { device, password } = await addDevice(ctx, {
      mailbox: m.address.toUpperCase(),
      name: "Ana's Pixel",
      platform: "android",
    });
    const row = await testPrisma().device.findUnique({ where: { id: device.id }, select: { passwordHash: true } });
    expect(row?.passwordHash).not.toContain(password);
    expect(await verifyPassword(password, row!.passwordHash)).toBe(true);
    const list = await listDevices(ctx, { mailbox: m.address });
    expect(list.map((d) => d.name)).toEqual(["Test phone", "Ana's Pixel"]);
    const revoked = await revokeDevice(ctx, { id: device.id });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    const audit = await testPrisma().auditEvent.findMany({ where: { tenantId: m.tenant.id }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.action)).toEqual([
      "tenant.create",
      "backend.add",
      "mailbox.add",
      "device.add",
      "device.add",
      "device.revoke",
    ]);
  });

  it("scopes device revocation to the caller's tenant", async () => {
    const ctx = testContext();
    const a = await seedMailbox(ctx);
    const b = await seedMailbox(ctx);
    expect(await code(revokeDevice(ctx, { id: a.deviceId, tenantId: b.tenant.id }))).toBe("notFound");
    const still = await testPrisma().device.findUnique({ where: { id: a.deviceId } });
    expect(still?.revokedAt).toBeNull();
  });
});
