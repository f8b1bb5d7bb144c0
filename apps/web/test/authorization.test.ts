// Tenant isolation and write-only secrets, against the real built portal.
// An admin of tenant A tries every page, every server action and every API
// route on tenant B (by B's slug, and by B's ids under A's slug); nothing of
// B is shown or changed. Every page and action response of A is searched
// for the plaintext secrets entered into it.
import {
  acceptInvitation,
  addBackend,
  addDevice,
  addMailbox,
  createEnrollment,
  createInvitation,
  signup,
} from "@postern/db/provisioning";
import { uniqueSuffix } from "@postern/db/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { type CookieJar, callAction, type Portal, signIn, startPortal } from "../../../test/helpers/portal.ts";

const s = uniqueSuffix();
const PASSWORD = `owner-password-${s}`;
const SECRETS = {
  relay: `relay-secret-${s}`,
  graph: `graph-client-secret-${s}`,
  mailbox: `mailbox-password-${s}`,
  mailbox2: `mailbox-password-two-${s}`,
  test: `test-password-${s}`,
  bMailbox: `b-mailbox-password-${s}`,
  bRelay: `b-relay-secret-${s}`,
};
const F = {
  backends: "apps/web/app/t/[slug]/backends/actions.ts",
  mailboxes: "apps/web/app/t/[slug]/mailboxes/actions.ts",
  team: "apps/web/app/t/[slug]/team/actions.ts",
};

let portal: Portal;
const A = { slug: "", id: "", mailboxId: "", mailbox2Id: "", deviceId: "", devicePassword: "" };
const B = {
  slug: "",
  id: "",
  backendId: "",
  graphId: "",
  mailboxId: "",
  address: "",
  deviceId: "",
  invitationId: "",
  name: `Bravo Secret Co ${s}`,
};
let adminA: CookieJar;
let holderA: CookieJar;
const seen: string[] = [];

async function get(jar: CookieJar | null, path: string) {
  const res = await fetch(`${portal.url}${path}`, { headers: jar ? { cookie: jar.header() } : {}, redirect: "manual" });
  const text = await res.text();
  seen.push(text);
  return { status: res.status, text, location: res.headers.get("location") };
}

async function act(jar: CookieJar | null, file: string, name: string, slug: string, input: unknown) {
  const r = await callAction(portal.url, jar, `/t/${slug}`, file, name, [slug, input]);
  seen.push(r.text);
  return r.result as { ok: boolean; error?: string; data?: unknown };
}

beforeAll(async () => {
  portal = await startPortal();
  const ctx = testContext();
  // Tenant B, fully furnished: backends with secrets, a mailbox, a device, an invitation.
  const b = await signup(ctx, { businessName: B.name, email: `owner-b-${s}@b.example`, password: PASSWORD });
  Object.assign(B, { slug: b.tenant.slug, id: b.tenant.id });
  B.backendId = (
    await addBackend(ctx, {
      tenantId: B.id,
      kind: "imap",
      host: "imap.b.example",
      smtpHost: "smtp.b.example",
      secret: SECRETS.bRelay,
    })
  ).id;
  B.graphId = (
    await addBackend(ctx, { tenantId: B.id, kind: "graph", graphClientId: "00000000-0000-0000-0000-00000000000b" })
  ).id;
  B.address = `boss@b-${s}.example`;
  B.mailboxId = (
    await addMailbox(ctx, { tenantId: B.id, backendId: B.backendId, address: B.address, password: SECRETS.bMailbox })
  ).id;
  B.deviceId = (await addDevice(ctx, { mailbox: B.address, name: "B phone" })).device.id;
  B.invitationId = (
    await createInvitation(ctx, {
      tenantId: B.id,
      email: `x-${s}@b.example`,
      role: "admin",
      inviterRole: "owner",
      invitedBy: b.user.id,
    })
  ).invitation.id;

  // Tenant A: an owner, an admin (invited), a phone holder for one mailbox.
  const a = await signup(ctx, { businessName: `Alpha ${s}`, email: `owner-a-${s}@a.example`, password: PASSWORD });
  Object.assign(A, { slug: a.tenant.slug, id: a.tenant.id });
  const hosted = await addBackend(ctx, { tenantId: A.id, kind: "hosted" });
  A.mailboxId = (await addMailbox(ctx, { tenantId: A.id, backendId: hosted.id, address: `one@a-${s}.example` })).id;
  A.mailbox2Id = (await addMailbox(ctx, { tenantId: A.id, backendId: hosted.id, address: `two@a-${s}.example` })).id;
  const d = await addDevice(ctx, { mailbox: `two@a-${s}.example`, name: "Two's phone" });
  A.deviceId = d.device.id;
  A.devicePassword = d.password;
  const admin = await createInvitation(ctx, {
    tenantId: A.id,
    email: `admin-a-${s}@a.example`,
    role: "admin",
    inviterRole: "owner",
    invitedBy: a.user.id,
  });
  await acceptInvitation(ctx, { token: admin.token, password: PASSWORD });
  const holder = await createInvitation(ctx, {
    tenantId: A.id,
    email: `holder-a-${s}@a.example`,
    role: "user",
    mailboxId: A.mailboxId,
    inviterRole: "owner",
    invitedBy: a.user.id,
  });
  await acceptInvitation(ctx, { token: holder.token, password: PASSWORD });
  adminA = await signIn(portal.url, `admin-a-${s}@a.example`, PASSWORD);
  holderA = await signIn(portal.url, `holder-a-${s}@a.example`, PASSWORD);
}, 240_000);
afterAll(async () => portal?.stop());

/** What the portal could change of B (sync fields are left out: any test gateway may be syncing B's mailbox). */
async function bSnapshot() {
  const p = testPrisma();
  return {
    backends: await p.backend.findMany({
      where: { tenantId: B.id },
      orderBy: { id: "asc" },
      select: {
        id: true,
        name: true,
        host: true,
        port: true,
        smtpHost: true,
        graphTenantId: true,
        options: true,
        secretCipher: true,
        updatedAt: true,
      },
    }),
    mailboxes: await p.mailbox.findMany({
      where: { tenantId: B.id },
      orderBy: { id: "asc" },
      select: { id: true, address: true, login: true, displayName: true, secretCipher: true },
    }),
    devices: await p.device.findMany({
      where: { tenantId: B.id },
      orderBy: { id: "asc" },
      select: { id: true, name: true, revokedAt: true },
    }),
    invitations: await p.invitation.count({ where: { tenantId: B.id } }),
    enrollments: await p.enrollmentToken.count({ where: { mailbox: { tenantId: B.id } } }),
    members: await p.membership.count({ where: { tenantId: B.id } }),
    audit: await p.auditEvent.count({ where: { tenantId: B.id } }),
  };
}

describe("an admin of tenant A and tenant B", () => {
  it("sees none of B's pages, by B's slug or by B's ids under A", async () => {
    const pages = [
      `/t/${B.slug}`,
      `/t/${B.slug}/backends`,
      `/t/${B.slug}/backends/new`,
      `/t/${B.slug}/backends/new?kind=imap`,
      `/t/${B.slug}/backends/${B.backendId}`,
      `/t/${B.slug}/mailboxes`,
      `/t/${B.slug}/mailboxes/new`,
      `/t/${B.slug}/mailboxes/import`,
      `/t/${B.slug}/mailboxes/${B.mailboxId}`,
      `/t/${B.slug}/devices`,
      `/t/${B.slug}/devices/${B.deviceId}`,
      `/t/${B.slug}/team`,
      `/t/${B.slug}/audit`,
      `/t/${B.slug}/my`,
      `/t/${A.slug}/backends/${B.backendId}`,
      `/t/${A.slug}/mailboxes/${B.mailboxId}`,
      `/t/${A.slug}/devices/${B.deviceId}`,
    ];
    for (const page of pages) {
      const r = await get(adminA, page);
      expect(r.status, page).toBe(404);
      expect(r.text, page).not.toContain(B.name);
      expect(r.text, page).not.toContain(B.address);
      expect(r.text, page).not.toContain("imap.b.example");
    }
  });

  it("reaches none of B's API routes", async () => {
    for (const path of [`/t/${B.slug}/backends/${B.graphId}/m365`, `/t/${A.slug}/backends/${B.graphId}/m365`]) {
      const r = await get(adminA, path);
      expect(r.status, path).toBe(404);
    }
    // A forged consent callback changes nothing.
    const forged = await get(
      adminA,
      `/api/m365/callback?tenant=evil&admin_consent=True&state=${Buffer.from(JSON.stringify({ b: B.graphId, s: B.slug })).toString("base64url")}.bad`,
    );
    expect(forged.status).toBe(400);
    expect((await testPrisma().backend.findUniqueOrThrow({ where: { id: B.graphId } })).graphTenantId).toBeNull();
  });

  it("changes nothing of B through any action, by B's slug or by B's ids under A", async () => {
    const before = await bSnapshot();
    const imap = { kind: "imap", name: "evil", host: "evil.example", secret: "x" };
    const bySlug: Array<[string, string, unknown]> = [
      [F.backends, "addBackendAction", imap],
      [F.backends, "updateBackendAction", { id: B.backendId, name: "owned" }],
      [F.backends, "testBackendAction", { kind: "imap", host: "127.0.0.1", backendId: B.backendId }],
      [F.mailboxes, "addMailboxAction", { address: `evil@b-${s}.example`, backendId: B.backendId, password: "x" }],
      [F.mailboxes, "importMailboxesAction", { backendId: B.backendId, csv: `evil2@b-${s}.example,,x,` }],
      [F.mailboxes, "updateMailboxAction", { id: B.mailboxId, password: "hijacked" }],
      [F.mailboxes, "addDeviceAction", { mailboxId: B.mailboxId, name: "evil phone" }],
      [F.mailboxes, "revokeDeviceAction", { id: B.deviceId }],
      [F.team, "inviteAction", { email: `evil-${s}@a.example`, role: "user", mailboxId: B.mailboxId }],
      [F.team, "revokeInvitationAction", { id: B.invitationId }],
    ];
    for (const [file, name, input] of bySlug) {
      const r = await act(adminA, file, name, B.slug, input);
      expect(r, `${name} on B's slug`).toMatchObject({
        ok: false,
        error: expect.stringContaining("do not have access"),
      });
      // Not signed in at all: the same.
      const anon = await act(null, file, name, B.slug, input);
      expect(anon, `${name} anonymous`).toMatchObject({ ok: false });
    }
    // Under A's own slug, with B's ids.
    const byId: Array<[string, string, unknown]> = bySlug.filter(([, n]) => n !== "addBackendAction");
    for (const [file, name, input] of byId) {
      const r = await act(adminA, file, name, A.slug, input);
      expect(r.ok, `${name} with B's ids`).toBe(false);
      expect(JSON.stringify(r)).not.toContain(SECRETS.bRelay);
    }
    expect(await bSnapshot()).toEqual(before);
  });
});

describe("roles inside tenant A", () => {
  it("a phone holder sees only their own mailbox's page and acts only on it", async () => {
    for (const page of ["", "/backends", "/mailboxes", `/mailboxes/${A.mailboxId}`, "/devices", "/team", "/audit"]) {
      expect((await get(holderA, `/t/${A.slug}${page}`)).status, page).toBe(page === "" ? 307 : 404);
    }
    const mine = await get(holderA, `/t/${A.slug}/my`);
    expect(mine.status).toBe(200);
    expect(mine.text).toContain(`one@a-${s}.example`);
    expect(mine.text).not.toContain(`two@a-${s}.example`);
    expect(
      await act(holderA, F.mailboxes, "addDeviceAction", A.slug, { mailboxId: A.mailbox2Id, name: "x" }),
    ).toMatchObject({ ok: false, error: expect.stringContaining("your own mailbox") });
    expect(await act(holderA, F.mailboxes, "revokeDeviceAction", A.slug, { id: A.deviceId })).toMatchObject({
      ok: false,
    });
    expect(
      await act(holderA, F.mailboxes, "updateMailboxAction", A.slug, { id: A.mailboxId, password: "x" }),
    ).toMatchObject({ ok: false });
    expect(await act(holderA, F.backends, "addBackendAction", A.slug, { kind: "hosted" })).toMatchObject({ ok: false });
    const own = await act(holderA, F.mailboxes, "addDeviceAction", A.slug, {
      mailboxId: A.mailboxId,
      name: "My phone",
    });
    expect(own).toMatchObject({ ok: true, data: { url: expect.stringContaining("/enroll/") } });
    expect((await testPrisma().device.findUniqueOrThrow({ where: { id: A.deviceId } })).revokedAt).toBeNull();
  });

  it("only the owner invites admins", async () => {
    expect(
      await act(adminA, F.team, "inviteAction", A.slug, { email: `new-admin-${s}@a.example`, role: "admin" }),
    ).toMatchObject({
      ok: false,
      error: "Only the owner can invite admins",
    });
  });

  it("sends a signed-out visitor to sign in", async () => {
    const r = await get(null, `/t/${A.slug}/mailboxes`);
    expect(r.status).toBe(307);
    expect(r.location).toContain("/login");
  });
});

describe("secrets are write-only", () => {
  it("never appear in any page or action response", async () => {
    const add = await act(adminA, F.backends, "addBackendAction", A.slug, {
      kind: "imap",
      name: "Main IMAP",
      host: "127.0.0.1",
      port: "1",
      security: "tls",
      smtpHost: "127.0.0.1",
      smtpPort: "1",
      smtpSecurity: "tls",
      smtpUser: "relay-user",
      secret: SECRETS.relay,
    });
    expect(add.ok).toBe(true);
    const imapId = (add.data as { id: string }).id;
    const graph = await act(adminA, F.backends, "addBackendAction", A.slug, {
      kind: "graph",
      name: "M365",
      graphClientId: "11111111-1111-1111-1111-111111111111",
      secret: SECRETS.graph,
    });
    const graphId = (graph.data as { id: string }).id;
    const mb = await act(adminA, F.mailboxes, "addMailboxAction", A.slug, {
      address: `secret@a-${s}.example`,
      backendId: imapId,
      login: "secret-login",
      password: SECRETS.mailbox,
    });
    const mailboxId = (mb.data as { id: string }).id;
    expect(
      (await act(adminA, F.mailboxes, "updateMailboxAction", A.slug, { id: mailboxId, password: SECRETS.mailbox2 })).ok,
    ).toBe(true);
    // Saving without a secret keeps the stored one.
    expect(
      (
        await act(adminA, F.backends, "updateBackendAction", A.slug, {
          id: imapId,
          kind: "imap",
          name: "Main IMAP (renamed)",
          host: "127.0.0.1",
          port: "1",
          security: "tls",
          smtpHost: "127.0.0.1",
          relaySavesSent: true,
          maxMessageMb: "10",
        })
      ).ok,
    ).toBe(true);
    const stored = await testPrisma().backend.findUniqueOrThrow({
      where: { id: imapId },
      omit: { secretCipher: false },
    });
    // The relay settings the gateway reads (outbox copies, SMTP SIZE) are saved with the form.
    expect(stored.options).toMatchObject({ relaySavesSent: true, maxMessageBytes: 10 * 1024 * 1024 });
    expect(testContext().keyring.decrypt(stored.secretCipher!, `backend:${imapId}`)).toBe(SECRETS.relay);
    // Test connection with typed credentials (nothing listens on port 1): the answer is in words, without them.
    const test = await act(adminA, F.backends, "testBackendAction", A.slug, {
      kind: "imap",
      backendId: imapId,
      host: "127.0.0.1",
      port: "1",
      security: "tls",
      testLogin: "someone",
      testPassword: SECRETS.test,
      smtpHost: "127.0.0.1",
      smtpPort: "1",
      smtpSecurity: "tls",
    });
    expect(test.ok).toBe(true);
    expect(JSON.stringify(test.data)).toContain("Cannot reach 127.0.0.1:1");
    await createEnrollment(testContext(), { tenantId: A.id, mailboxId, name: "p", createdBy: "test" });

    for (const page of [
      "",
      "/backends",
      "/backends/new?kind=imap",
      `/backends/${imapId}`,
      `/backends/${graphId}`,
      "/mailboxes",
      `/mailboxes/${mailboxId}`,
      `/mailboxes/${A.mailbox2Id}`,
      "/mailboxes/new",
      "/mailboxes/import",
      "/devices",
      `/devices/${A.deviceId}`,
      "/team",
      "/audit",
    ]) {
      const r = await get(adminA, `/t/${A.slug}${page}`);
      expect(r.status, page).toBe(200);
    }
    expect((await get(null, "/api/health")).status).toBe(200);
    const everything = seen.join("\n");
    for (const [name, secret] of Object.entries({ ...SECRETS, owner: PASSWORD, device: A.devicePassword })) {
      expect(everything.includes(secret), `${name} secret leaked`).toBe(false);
    }
    // The ciphertexts stay home too.
    expect(everything).not.toMatch(/v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./);
    expect(everything).not.toContain("scrypt$");
  });
});
