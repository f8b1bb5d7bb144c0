// The admin commands that mirror the portal — backend list/update, mailbox
// update/import, device enroll, invite, audit list — run as an admin runs
// them (a subprocess), checked against what they wrote to the database.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  addBackend,
  addDevice,
  addMailbox,
  createTenant,
  findInvitation,
  hashToken,
  redeemEnrollment,
  revokeDevice,
} from "@postern/db/provisioning";
import { uniqueSuffix } from "@postern/db/seed";
import QRCode from "qrcode";
import { beforeAll, describe, expect, it } from "vitest";
import { databaseUrl, TEST_SECRET_KEY, testContext, testPrisma } from "../../../test/helpers/db.ts";
import { messageLimitFor, SMTP_LIMITS } from "../src/smtp/limits.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const MIB = 1024 * 1024;
const PORTAL = "https://portal.example.test";
let dataDir: string;
let caFile: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "postern-cli-admin-"));
  caFile = path.join(dataDir, "ca.pem");
  await writeFile(caFile, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", "apps/gateway/src/cli/main.ts", ...args],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl(),
          POSTERN_DATA_DIR: dataDir,
          // The tests' key, so what the CLI encrypts the test can decrypt.
          POSTERN_SECRET_KEY: TEST_SECRET_KEY,
          NEXTAUTH_URL: PORTAL,
          ...opts.env,
        },
        timeout: 30_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(opts.stdin ?? "");
  });
}

/** --json: stdout is one JSON document and nothing else, stderr is empty. */
async function json(args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = await cli([...args, "--json"], opts);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** A tenant with a domain and an IMAP backend, made directly (the commands under test come after). */
/**
 * A tenant with one backend. "imap" (at an unreachable host) unless a test
 * needs a mailbox nobody syncs: the run's database is shared, and a gateway
 * of another test file that runs the sync engine would try an IMAP backend's
 * mailboxes and record the failure on them.
 */
async function fixture(kind: "imap" | "hosted" = "imap") {
  const s = uniqueSuffix();
  const ctx = testContext();
  const domain = `adm-${s}.test`;
  const tenant = await createTenant(ctx, { name: `Adm ${s}`, slug: `adm-${s}`, domains: [domain] });
  const backend = await addBackend(
    ctx,
    kind === "imap"
      ? { tenantId: tenant.id, kind, host: "imap.example.net", options: { relayMaxConnections: 3 } }
      : { tenantId: tenant.id, kind },
  );
  return { s, ctx, domain, tenant, backend };
}

const stored = (id: string) => testPrisma().backend.findUniqueOrThrow({ where: { id }, omit: { secretCipher: false } });

describe("postern backend", () => {
  it("adds with relay options, then update changes only what it is given and keeps every other option", async () => {
    const { tenant } = await fixture();
    const added = await json([
      "backend",
      "add",
      "--tenant",
      tenant.slug,
      "--kind",
      "imap",
      "--host",
      "imap.example.net",
      "--poll-interval",
      "30",
      "--tls-ca",
      caFile,
      "--relay-saves-sent",
      "--max-message-mb",
      "10",
    ]);
    let row = await stored(added.id);
    expect(row.options).toEqual({
      pollIntervalSeconds: 30,
      tlsCa: expect.stringContaining("BEGIN CERTIFICATE"),
      relaySavesSent: true,
      maxMessageBytes: 10 * MIB,
    });
    // An option the CLI has no flag for: update must not lose it.
    await testPrisma().backend.update({
      where: { id: added.id },
      data: { options: { ...(row.options as object), relayMaxConnections: 2 } },
    });

    const updated = await json([
      "backend",
      "update",
      added.id,
      "--name",
      "Main IMAP",
      "--smtp-host",
      "smtp.example.net",
      "--smtp-port",
      "587",
      "--no-relay-saves-sent",
      "--max-message-mb",
      "5",
      "--tls-insecure",
    ]);
    expect(updated).toMatchObject({
      id: added.id,
      name: "Main IMAP",
      host: "imap.example.net",
      smtpHost: "smtp.example.net",
      smtpPort: 587,
      changed: expect.arrayContaining(["name", "smtp-host", "no-relay-saves-sent", "max-message-mb"]),
    });
    row = await stored(added.id);
    expect(row).toMatchObject({ name: "Main IMAP", host: "imap.example.net", port: 993, smtpHost: "smtp.example.net" });
    expect(row.options).toEqual({
      pollIntervalSeconds: 30,
      tlsCa: expect.stringContaining("BEGIN CERTIFICATE"),
      tlsInsecure: true,
      maxMessageBytes: 5 * MIB,
      relayMaxConnections: 2,
    });
    // What the gateway makes of it: a 5 MiB SMTP limit, and a Sent copy again.
    expect(messageLimitFor(SMTP_LIMITS, row.options as Record<string, unknown>)).toBe(5 * MIB);
    expect((row.options as { relaySavesSent?: boolean }).relaySavesSent).toBeUndefined();

    // "" clears a value; the --no- flags undo theirs.
    await json(["backend", "update", added.id, "--max-message-mb", "", "--smtp-host", "", "--no-tls-insecure"]);
    row = await stored(added.id);
    expect(row.smtpHost).toBeNull();
    expect(row.options).toEqual({
      pollIntervalSeconds: 30,
      tlsCa: expect.stringContaining("BEGIN CERTIFICATE"),
      relayMaxConnections: 2,
    });
    expect(messageLimitFor(SMTP_LIMITS, row.options as Record<string, unknown>)).toBe(SMTP_LIMITS.maxMessageBytes);
    const audit = await testPrisma().auditEvent.findMany({
      where: { tenantId: tenant.id, action: "backend.update", target: added.id },
    });
    expect(audit.map((e) => e.actor)).toEqual(["cli", "cli"]);
  }, 90_000);

  it("stores a secret from stdin encrypted and never prints it, in any command or mode", async () => {
    const { s, ctx, tenant, backend } = await fixture();
    const secret = `relay-Secret-${s}-pw`;
    const r = await cli(["backend", "update", backend.id, "--secret-stdin", "--json"], { stdin: `${secret}\n` });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).id).toBe(backend.id);
    const row = await stored(backend.id);
    expect(row.secretCipher).toBeTruthy();
    expect(row.secretCipher).not.toContain(secret);
    expect(ctx.keyring.decrypt(row.secretCipher!, `backend:${backend.id}`)).toBe(secret);
    // The option the CLI never touched is still there.
    expect(row.options).toEqual({ relayMaxConnections: 3 });

    const outputs = [r];
    outputs.push(await cli(["backend", "update", backend.id, "--secret-stdin"], { stdin: secret }));
    for (const args of [
      ["backend", "list", "--tenant", tenant.slug],
      ["audit", "list", "--tenant", tenant.slug],
    ]) {
      outputs.push(await cli(args), await cli([...args, "--json"]));
    }
    for (const o of outputs) {
      expect(o.code).toBe(0);
      expect(o.stdout + o.stderr).not.toContain(secret);
      expect(o.stdout).not.toMatch(/secretCipher/);
    }

    await json(["backend", "update", backend.id, "--clear-secret"]);
    expect((await stored(backend.id)).secretCipher).toBeNull();
    const empty = await cli(["backend", "update", backend.id, "--secret-stdin"], { stdin: "" });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--secret-stdin read nothing/);
  }, 90_000);

  it("lists a tenant's backends with their mailbox counts, as JSON and as a table", async () => {
    const { ctx, domain, tenant, backend } = await fixture();
    await addMailbox(ctx, { tenantId: tenant.id, backendId: backend.id, address: `a@${domain}`, password: "pw" });
    await addMailbox(ctx, { tenantId: tenant.id, backendId: backend.id, address: `b@${domain}`, password: "pw" });
    const pop = await json([
      "backend",
      "add",
      "--tenant",
      tenant.slug,
      "--kind",
      "pop3",
      "--host",
      "pop.example.net",
      "--smtp-host",
      "smtp.example.net",
    ]);
    const list = await json(["backend", "list", "--tenant", tenant.slug]);
    expect(list).toEqual([
      expect.objectContaining({ id: backend.id, kind: "imap", host: "imap.example.net", port: 993, mailboxes: 2 }),
      expect.objectContaining({ id: pop.id, kind: "pop3", smtpHost: "smtp.example.net", smtpPort: 587, mailboxes: 0 }),
    ]);
    const text = await cli(["backend", "list", "--tenant", tenant.slug]);
    const lines = text.stdout.trim().split("\n");
    expect(lines[0].split(/\s+/)).toEqual(["ID", "KIND", "NAME", "HOST", "RELAY", "MAILBOXES"]);
    expect(lines[1]).toMatch(new RegExp(`^${backend.id}\\s+imap\\s+.*imap\\.example\\.net:993\\s+-\\s+2$`));
    expect(lines[2]).toMatch(/pop3 .*pop\.example\.net:995\s+smtp\.example\.net:587\s+0$/);

    // POP3: whether filed messages stay on the server, only on a POP3 backend.
    await json(["backend", "update", pop.id, "--pop3-remove-filed"]);
    expect((await stored(pop.id)).options).toEqual({ pop3LeaveOnServer: false });
    await json(["backend", "update", pop.id, "--pop3-keep-filed"]);
    expect((await stored(pop.id)).options).toEqual({ pop3LeaveOnServer: true });
    const wrong = await cli(["backend", "update", backend.id, "--pop3-keep-filed"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--pop3-keep-filed is for pop3 backends; this one is imap/);
  }, 90_000);

  it.each([
    [["backend", "update"], 2, /usage: postern backend update ID/],
    [["backend", "update", "not-an-id", "--name", "x"], 2, /"not-an-id" is not a backend id/],
    [["backend", "update", "00000000-0000-4000-8000-000000000000", "--name", "x"], 3, /no backend/],
    [["backend", "update", "00000000-0000-4000-8000-000000000000"], 2, /nothing to change/],
    [["backend", "update", "00000000-0000-4000-8000-000000000000", "--max-message-mb", "26"], 2, /1–25/],
    [["backend", "update", "00000000-0000-4000-8000-000000000000", "--max-message-mb", "0"], 2, /1–25/],
    [
      ["backend", "update", "00000000-0000-4000-8000-000000000000", "--relay-saves-sent", "--no-relay-saves-sent"],
      2,
      /contradict/,
    ],
    [["backend", "update", "00000000-0000-4000-8000-000000000000", "--name", ""], 2, /--name cannot be empty/],
    [["backend", "add", "--tenant", "x", "--kind", "imap", "--max-message-mb", "30"], 2, /--max-message-mb must be/],
    [["backend", "add", "--tenant", "x", "--kind", "imap", "--no-relay-saves-sent"], 2, /Unknown option/],
    [["backend", "list"], 2, /missing --tenant/],
    [["backend", "list", "--tenant", "no-such-tenant-here"], 3, /no tenant/],
  ])(
    "refuses %j with one line and exit %i",
    async (args, exitCode, message) => {
      const r = await cli([...(args as string[]), "--json"]);
      expect(r.code).toBe(exitCode);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message as RegExp);
    },
    30_000,
  );
});

describe("postern mailbox", () => {
  it("updates the name, login, aliases and backend password of a mailbox", async () => {
    const { s, ctx, domain, tenant, backend } = await fixture();
    const address = `ana@${domain}`;
    const m = await addMailbox(ctx, {
      tenantId: tenant.id,
      backendId: backend.id,
      address,
      password: "old-pw",
      aliases: [`sales@${domain}`],
    });
    // The backend refused the old password: the mailbox waits for a new one.
    await testPrisma().mailbox.update({
      where: { id: m.id },
      data: { syncState: "needs_attention", lastError: "The mail server rejected the stored password" },
    });
    const password = `new-Backend-pw-${s}`;
    const r = await cli(
      [
        "mailbox",
        "update",
        address.toUpperCase(),
        "--name",
        "Ana Lima",
        "--login",
        "ana",
        "--add-alias",
        `ana.lima@${domain}`,
        "--add-alias",
        `ana@other-${s}.test`,
        "--remove-alias",
        `sales@${domain}`,
        "--password-stdin",
        "--json",
      ],
      { stdin: `${password}\n` },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain(password);
    expect(JSON.parse(r.stdout)).toEqual({
      id: m.id,
      address,
      displayName: "Ana Lima",
      login: "ana",
      aliases: [`ana.lima@${domain}`, `ana@other-${s}.test`],
      passwordChanged: true,
    });
    const row = await testPrisma().mailbox.findUniqueOrThrow({ where: { id: m.id }, omit: { secretCipher: false } });
    expect(row).toMatchObject({ displayName: "Ana Lima", login: "ana" });
    // A new password ends "needs attention" (the update sets "syncing"; a gateway of another
    // test file that syncs this unreachable backend may already have moved it on to "error").
    expect(row.syncState).not.toBe("needs_attention");
    expect(ctx.keyring.decrypt(row.secretCipher!, `mailbox:${m.id}`)).toBe(password);
    // A new alias domain is claimed for the tenant, as mailbox add does.
    expect(await testPrisma().tenantDomain.findUnique({ where: { domain: `other-${s}.test` } })).toMatchObject({
      tenantId: tenant.id,
    });
    const events = await testPrisma().auditEvent.findMany({ where: { tenantId: tenant.id, target: address } });
    expect(events.map((e) => [e.actor, e.action])).toContainEqual(["cli", "mailbox.password_change"]);

    // "" puts the login back to the address; text mode says what the mailbox is now.
    const text = await cli(["mailbox", "update", address, "--login", ""]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`login    ${address} (the address)`);
    expect((await testPrisma().mailbox.findUniqueOrThrow({ where: { id: m.id } })).login).toBeNull();

    // Another tenant's domain cannot be an alias; an address that is not an alias cannot be removed.
    const other = await fixture();
    const taken = await cli(["mailbox", "update", address, "--add-alias", `x@${other.domain}`]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/belongs to another tenant/);
    const notAlias = await cli(["mailbox", "update", address, "--remove-alias", `nobody@${domain}`]);
    expect(notAlias.code).toBe(2);
    expect(notAlias.stderr).toMatch(/is not an alias/);
    const nothing = await cli(["mailbox", "update", address]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to change/);
    expect((await testPrisma().mailbox.findUniqueOrThrow({ where: { id: m.id } })).aliases).toEqual([
      `ana.lima@${domain}`,
      `ana@other-${s}.test`,
    ]);
  }, 90_000);

  it("imports mailboxes from a CSV file, reporting every row, and exits 1 when a row failed", async () => {
    const { ctx, domain, tenant, backend } = await fixture();
    await addMailbox(ctx, { tenantId: tenant.id, backendId: backend.id, address: `taken@${domain}`, password: "pw" });
    const file = path.join(dataDir, `import-${tenant.slug}.csv`);
    await writeFile(
      file,
      [
        "address,login,password,name",
        `bo@${domain},bo,pw-bo,Bo`,
        `"cy@${domain}",,"pw,with,commas","Cy, Jr."`,
        "not-an-address,,pw,",
        `taken@${domain},,pw,`,
        `di@${domain},,,Di`,
      ].join("\r\n"),
    );
    const r = await cli([
      "mailbox",
      "import",
      "--tenant",
      tenant.slug,
      "--backend",
      backend.id,
      "--csv",
      file,
      "--json",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ added: 2, failed: 3 });
    expect(out.rows).toEqual([
      { line: 2, address: `bo@${domain}`, ok: true, message: "added" },
      { line: 3, address: `cy@${domain}`, ok: true, message: "added" },
      { line: 4, address: "not-an-address", ok: false, message: expect.stringMatching(/not a valid email/) },
      { line: 5, address: `taken@${domain}`, ok: false, message: expect.stringMatching(/already exists/) },
      { line: 6, address: `di@${domain}`, ok: false, message: expect.stringMatching(/needs the backend password/) },
    ]);
    const cy = await testPrisma().mailbox.findUniqueOrThrow({
      where: { address: `cy@${domain}` },
      omit: { secretCipher: false },
    });
    expect(cy.displayName).toBe("Cy, Jr.");
    expect(ctx.keyring.decrypt(cy.secretCipher!, `mailbox:${cy.id}`)).toBe("pw,with,commas");
    expect(r.stdout).not.toContain("pw-bo");

    const ok = path.join(dataDir, `import-ok-${tenant.slug}.csv`);
    await writeFile(ok, `ed@${domain},,pw-ed,Ed\n`);
    const text = await cli(["mailbox", "import", "--tenant", tenant.slug, "--backend", backend.id, "--csv", ok]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`1\\s+ed@${domain.replace(/\./g, "\\.")}\\s+added`));
    expect(text.stdout).toContain("1 added, 0 failed");

    const missing = await cli([
      "mailbox",
      "import",
      "--tenant",
      tenant.slug,
      "--backend",
      backend.id,
      "--csv",
      "/nonexistent.csv",
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read --csv/);
    const foreign = await fixture();
    const wrongTenant = await cli([
      "mailbox",
      "import",
      "--tenant",
      tenant.slug,
      "--backend",
      foreign.backend.id,
      "--csv",
      ok,
    ]);
    expect(wrongTenant.code).toBe(3);
    expect(wrongTenant.stderr).toMatch(/No such mail system/);
  }, 90_000);
});

describe("postern device enroll", () => {
  it("issues the portal's single-use 15-minute link, which then enrolls exactly one phone", async () => {
    const { ctx, domain, tenant, backend } = await fixture();
    const address = `eva@${domain}`;
    await addMailbox(ctx, { tenantId: tenant.id, backendId: backend.id, address, password: "pw" });
    const before = Date.now();
    const e = await json(["device", "enroll", "--mailbox", address, "--name", "Eva's Pixel"]);
    expect(e).toMatchObject({ mailbox: address, name: "Eva's Pixel" });
    const token = e.url.slice(`${PORTAL}/enroll/`.length);
    expect(e.url).toBe(`${PORTAL}/enroll/${token}`);
    const row = await testPrisma().enrollmentToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
    expect(row).toMatchObject({ id: e.id, name: "Eva's Pixel", createdBy: "cli", usedAt: null });
    expect(row.expiresAt.getTime() - before).toBeGreaterThan(14 * 60_000);
    expect(row.expiresAt.getTime() - before).toBeLessThanOrEqual(15 * 60_000 + 5000);

    const redeemed = await redeemEnrollment(ctx, { token, platform: "android" });
    expect(redeemed).toMatchObject({ ok: true, device: { name: "Eva's Pixel", platform: "android" } });
    expect(await redeemEnrollment(ctx, { token, platform: "android" })).toEqual({ ok: false, reason: "used" });

    // Text mode: a QR code drawn in the terminal, then the link, on the default portal URL.
    const t = await cli(["device", "enroll", "--mailbox", address, "--name", "Eva's iPad"], {
      env: { NEXTAUTH_URL: "", WEB_PORT: "4123" },
    });
    expect(t.code).toBe(0);
    const url = /^http:\/\/localhost:4123\/enroll\/[A-Za-z0-9_-]{32,64}$/m.exec(t.stdout)?.[0];
    expect(url).toBeTruthy();
    // The code drawn is the code of that link (the encoder is deterministic).
    const qr = await QRCode.toString(url!, { type: "terminal", small: true, errorCorrectionLevel: "M" });
    expect(t.stdout.startsWith(qr)).toBe(true);
    expect(qr.match(/[▀▄█]/g)?.length).toBeGreaterThan(100);
    expect(t.stdout).toContain("works once, for 15 minutes");
    const plain = await cli(["device", "enroll", "--mailbox", address, "--name", "Eva's Mac", "--no-qr"]);
    expect(plain.stdout).not.toMatch(/[▀▄█]/);
    expect(plain.stdout).toContain(`${PORTAL}/enroll/`);

    const none = await cli(["device", "enroll", "--mailbox", `nobody@${domain}`, "--name", "x", "--json"]);
    expect(none.code).toBe(3);
    expect(none.stdout).toBe("");
    expect(none.stderr).toMatch(/no mailbox/);
    const noName = await cli(["device", "enroll", "--mailbox", address]);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/missing --name/);
  }, 90_000);
});

describe("postern invite", () => {
  it("with a mail relay configured, also mails the invitation through Postern's outbox, as the portal does", async () => {
    const { s, tenant } = await fixture();
    const email = `mailed-${s}@example.test`;
    const r = await json(["invite", "--tenant", tenant.slug, "--email", email, "--role", "admin"], {
      env: { POSTERN_MAIL_RELAY_URL: "smtp://relay.example.test:587", POSTERN_MAIL_FROM: "Acme IT <it@acme.test>" },
    });
    expect(r.mailed).toBe(true);
    const row = await testPrisma().outboundMessage.findFirstOrThrow({
      where: { recipients: { has: email } },
      include: { blob: true },
    });
    expect(row).toMatchObject({ mailboxId: null, envelopeFrom: "it@acme.test", sentCopySaved: true });
    const raw = Buffer.from(row.blob.data).toString("utf8").replace(/=\r\n/g, "");
    expect(raw).toMatch(/^From: Acme IT <it@acme\.test>\r$/m);
    expect(raw).toContain(r.link.replace(/=/g, "=3D"));
    // Without a relay nothing is queued, and the output says to pass the link on.
    const plain = await cli([
      "invite",
      "--tenant",
      tenant.slug,
      "--email",
      `plain-${s}@example.test`,
      "--role",
      "admin",
    ]);
    expect(plain.stdout).toContain("Send them this link");
    expect(
      await testPrisma().outboundMessage.count({ where: { recipients: { has: `plain-${s}@example.test` } } }),
    ).toBe(0);
  });

  it("creates an invitation as the owner and prints the portal's accept link", async () => {
    const { s, ctx, domain, tenant, backend } = await fixture();
    const address = `fay@${domain}`;
    await addMailbox(ctx, { tenantId: tenant.id, backendId: backend.id, address, password: "pw" });
    const user = await json([
      "invite",
      "--tenant",
      tenant.slug,
      "--email",
      `Fay@Home-${s}.test`,
      "--role",
      "user",
      "--mailbox",
      address,
    ]);
    expect(user).toMatchObject({ tenant: tenant.slug, email: `fay@home-${s}.test`, role: "user", mailbox: address });
    expect(user.link).toMatch(new RegExp(`^${PORTAL}/invite/[A-Za-z0-9_-]{32,64}$`));
    const found = await findInvitation(ctx, user.link.split("/").pop());
    expect(found).toMatchObject({ id: user.id, tenantId: tenant.id, role: "user", invitedBy: null, hasAccount: false });
    expect(found?.mailboxId).toBeTruthy();

    // Only an owner invites admins: the CLI acts as one.
    const admin = await cli([
      "invite",
      "--tenant",
      tenant.slug,
      "--email",
      `boss-${s}@example.test`,
      "--role",
      "admin",
    ]);
    expect(admin.code).toBe(0);
    expect(admin.stdout).toContain(`invited boss-${s}@example.test to ${tenant.slug} as admin`);
    expect(admin.stdout).toMatch(new RegExp(`^${PORTAL}/invite/[A-Za-z0-9_-]{32,64}$`, "m"));
    const events = await testPrisma().auditEvent.findMany({
      where: { tenantId: tenant.id, action: "invitation.create" },
      orderBy: { id: "asc" },
    });
    expect(events.map((e) => [e.actor, e.target])).toEqual([
      ["cli", `fay@home-${s}.test`],
      ["cli", `boss-${s}@example.test`],
    ]);

    const other = await fixture();
    await addMailbox(other.ctx, {
      tenantId: other.tenant.id,
      backendId: other.backend.id,
      address: `gus@${other.domain}`,
      password: "pw",
    });
    for (const [args, code, message] of [
      [["--role", "user"], 2, /--role user needs --mailbox/],
      [["--role", "owner"], 2, /--role must be one of admin, user/],
      [["--role", "admin", "--mailbox", address], 2, /--mailbox is for --role user/],
      [["--role", "user", "--mailbox", `gus@${other.domain}`], 3, /no mailbox/],
    ] as const) {
      const r = await cli(["invite", "--tenant", tenant.slug, "--email", `x-${s}@example.test`, ...args]);
      expect(r.code).toBe(code);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
    }
  }, 90_000);
});

describe("postern audit list", () => {
  it("shows the tenant's log newest first, follows the portal's pages to --limit, and a device's timeline", async () => {
    const { ctx, domain, tenant, backend } = await fixture("hosted");
    const address = `hal@${domain}`;
    await addMailbox(ctx, { tenantId: tenant.id, backendId: backend.id, address, password: "pw" });
    const { device } = await addDevice(ctx, { mailbox: address, name: "Hal's phone", platform: "ios" });
    await revokeDevice({ ...ctx, actor: "cli" }, { id: device.id });

    const log = await json(["audit", "list", "--tenant", tenant.slug]);
    expect(log.map((e: { action: string }) => e.action)).toEqual([
      "device.revoke",
      "device.add",
      "mailbox.add",
      "backend.add",
      "tenant.create",
    ]);
    expect(log[0]).toMatchObject({ actor: "cli", who: "admin CLI", target: device.id, data: { name: "Hal's phone" } });
    expect(typeof log[0].id).toBe("number");
    expect(await json(["audit", "list", "--tenant", tenant.slug, "--limit", "2"])).toHaveLength(2);
    const text = await cli(["audit", "list", "--tenant", tenant.slug]);
    expect(text.stdout.split("\n")[0].split(/\s+/)).toEqual(["AT", "WHO", "ACTION", "TARGET", "DETAILS"]);
    expect(text.stdout).toMatch(/admin CLI\s+device\.revoke/);

    // More than one portal page (50): the CLI follows them back, without repeats.
    await testPrisma().auditEvent.createMany({
      data: Array.from({ length: 60 }, (_, i) => ({ tenantId: tenant.id, actor: "system", action: `test.${i}` })),
    });
    const long = await json(["audit", "list", "--tenant", tenant.slug, "--limit", "63"]);
    expect(long).toHaveLength(63);
    expect(long[0].action).toBe("test.59");
    expect(long.slice(60).map((e: { action: string }) => e.action)).toEqual([
      "device.revoke",
      "device.add",
      "mailbox.add",
    ]);
    const ids = long.map((e: { id: number }) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(new Set(ids).size).toBe(63);

    const timeline = await json(["audit", "list", "--tenant", tenant.slug, "--device", device.id]);
    expect(timeline.device).toMatchObject({ id: device.id, name: "Hal's phone", mailbox: address });
    expect(timeline.device.revokedAt).toBeTruthy();
    expect(timeline.entries.map((e: { kind: string }) => e.kind)).toEqual(["revoked", "audit"]);
    expect(timeline.entries[0].title).toMatch(/^Revoked/);
    const tText = await cli(["audit", "list", "--tenant", tenant.slug, "--device", device.id]);
    expect(tText.stdout.split("\n")[0]).toBe(`Hal's phone (ios) on ${address} — revoked`);
    expect(tText.stdout).toContain("Last commands: none yet");
    expect(timeline.lastCommands).toEqual([]);
    // What the gateway writes for the device (auth/activity.ts) is shown with it.
    const commands = [
      {
        at: "2026-11-26T10:00:01.000Z",
        proto: "imap",
        command: "SELECT",
        status: "NO",
        code: "UNAVAILABLE",
        folder: "INBOX",
        text: "Backend unavailable",
        ms: 12,
      },
      { at: "2026-11-26T10:00:00.000Z", proto: "imap", command: "AUTHENTICATE", status: "OK", ms: 3 },
    ];
    await testPrisma().device.update({ where: { id: device.id }, data: { lastCommands: commands } });
    expect((await json(["audit", "list", "--tenant", tenant.slug, "--device", device.id])).lastCommands).toEqual(
      commands,
    );
    const withCommands = await cli(["audit", "list", "--tenant", tenant.slug, "--device", device.id]);
    expect(withCommands.stdout).toMatch(/imap SELECT\s+INBOX\s+NO \[UNAVAILABLE\] Backend unavailable\s+12/);

    const other = await fixture();
    const foreign = await cli(["audit", "list", "--tenant", other.tenant.slug, "--device", device.id]);
    expect(foreign.code).toBe(3);
    expect(foreign.stderr).toMatch(/No such device/);
    for (const [args, message] of [
      [["--limit", "0"], /--limit must be 1–10000/],
      [["--device", "nope"], /"nope" is not a device id/],
    ] as const) {
      const r = await cli(["audit", "list", "--tenant", tenant.slug, ...args, "--json"]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
    }
  }, 90_000);
});
