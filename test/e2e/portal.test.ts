// The portal journey, for real: a new business signs up in Chromium, links
// the IMAP server it already has (a real Dovecot holding a message), passes
// Test connection, adds a mailbox and a phone, and scans — opens — the QR
// code's link as an iPhone. The .mobileconfig it downloads carries
// credentials that Python's imaplib uses against the real gateway to read
// the message that sits on Dovecot. The same link opened again is refused.
// Every page is photographed at desktop and phone widths.
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInvitation, issueEmailVerification, requestPasswordReset } from "@postern/db/provisioning";
import { uniqueSuffix } from "@postern/db/seed";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import * as plist from "plist";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext, testPrisma } from "../helpers/db.ts";
import { type Dovecot, startDovecot } from "../helpers/dovecot.ts";
import { type GatewayProcess, spawnGateway } from "../helpers/gateway-process.ts";
import { type Portal, startPortal } from "../helpers/portal.ts";
import { python } from "../helpers/python.ts";

const root = path.resolve(import.meta.dirname, "../..");
const SHOTS = path.join(root, "test-results/screenshots");
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
const ANDROID =
  "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
// toolchain.md: without the background-networking flags Chromium floods the closed network.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const s = uniqueSuffix();
const SUBJECT = `Quarterly figures ${s}`;
const dirs: string[] = [];
let dovecot: Dovecot;
let gateway: GatewayProcess;
let portal: Portal;
let browser: BrowserContext;
let phone: BrowserContext;

async function context(userAgent?: string): Promise<BrowserContext> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "postern-chromium-"));
  dirs.push(dir);
  return chromium.launchPersistentContext(dir, {
    executablePath: "/usr/bin/chromium",
    args: ARGS,
    viewport: DESKTOP,
    userAgent,
    acceptDownloads: true,
  });
}

/** Photograph the page as it is now, at both widths. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const [label, size] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  dovecot = await startDovecot({ pop3: false });
  await dovecot.deliver(
    "alice",
    `From: Bob <bob@partner.example>\r\nTo: alice@acme-${s}.example\r\nSubject: ${SUBJECT}\r\nMessage-ID: <${s}@partner.example>\r\nDate: Wed, 26 Nov 2026 09:00:00 +0000\r\n\r\nThe numbers are in.\r\n`,
  );
  gateway = await spawnGateway();
  portal = await startPortal({
    IMAP_PORT: String(gateway.ports.imap),
    IMAPS_PORT: String(gateway.ports.imaps),
    SMTP_PORT: String(gateway.ports.smtp),
    SMTPS_PORT: String(gateway.ports.smtps),
  });
  browser = await context();
  phone = await context(IPHONE);
}, 300_000);

afterAll(async () => {
  await phone?.close();
  await browser?.close();
  await portal?.stop();
  await gateway?.stop();
  await dovecot?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  process.stdout.write(`\n[portal e2e] screenshots in ${SHOTS}\n`);
});

describe("the portal journey", () => {
  it("signs up, links Dovecot, adds a mailbox and a phone; the iPhone profile reads the Dovecot message through the gateway", async () => {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const base = portal.url;

    await page.goto(base);
    await shoot(page, "01-landing");
    await page.goto(`${base}/login`);
    await shoot(page, "02-login");
    await page.goto(`${base}/forgot`);
    await shoot(page, "03-forgot");

    // ---- sign up --------------------------------------------------------
    await page.goto(`${base}/signup`);
    await shoot(page, "04-signup");
    await page.getByLabel("Business name").fill(`Acme ${s}`);
    await page.getByLabel("Your name").fill("Ana Silva");
    await page.getByLabel("Work email").fill(`ana@acme-${s}.example`);
    await page.getByLabel("Password").fill("a good long password");
    await page.getByRole("button", { name: "Create my workspace" }).click();
    await page.waitForURL(/\/t\/acme-[^/?]+\?welcome=1$/, { timeout: 30_000 });
    const slug = new URL(page.url()).pathname.split("/")[2];
    const t = `${base}/t/${slug}`;
    await page.getByRole("heading", { name: `Acme ${s}` }).waitFor();
    await shoot(page, "05-overview-new");

    // ---- link the IMAP server and test it --------------------------------
    await page.goto(`${t}/backends`);
    await shoot(page, "06-backends-empty");
    await page.goto(`${t}/backends/new`);
    await shoot(page, "07-backend-choose");
    // POP3 says plainly what the server cannot hold, and leaves filed mail on it by default.
    await page.getByRole("link", { name: /POP3 mailbox/ }).click();
    await page.waitForURL(/kind=pop3/);
    await page.getByText("read/unread, flags and folders are kept by Postern").waitFor();
    expect(await page.getByLabel("Leave filed mail on the server").isChecked()).toBe(true);
    await page.getByRole("link", { name: /IMAP server/ }).click();
    await page.waitForURL(/kind=imap/);
    await page.getByLabel("Name", { exact: true }).fill("Head office IMAP");
    await page.getByRole("textbox", { name: "Host", exact: true }).fill("127.0.0.1");
    await page.getByLabel("Port", { exact: true }).first().fill(String(dovecot.imapsPort));
    await page.getByLabel("Security").first().selectOption("tls");
    await page.getByLabel("Trusted CA certificate (PEM)").fill(dovecot.certPem);
    await page.getByLabel("Check every (seconds)").fill("5");
    await page.getByLabel("Mailbox login").fill("alice");
    await page.getByLabel("Mailbox password").fill("alice-pass");
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByRole("heading", { name: "Connected to the IMAP server" }).waitFor({ timeout: 30_000 });
    const report = await page.locator("section[aria-label='Connected to the IMAP server']").textContent();
    expect(report ?? "").toContain("Read/Unread");
    expect(report ?? "").toContain("Push is available");
    await shoot(page, "08-backend-test-passed");
    await page.getByRole("button", { name: "Add mail system" }).click();
    await page.waitForURL(/\/backends\/[0-9a-f-]{36}\?added=1$/);
    await shoot(page, "09-backend-detail");

    // ---- add the mailbox --------------------------------------------------
    await page.getByRole("link", { name: "Add a mailbox" }).first().click();
    await page.waitForURL(/\/mailboxes\/new/);
    await shoot(page, "10-mailbox-new");
    const address = `alice@acme-${s}.example`;
    await page.getByLabel("Email address").fill(address);
    await page.getByLabel("Name", { exact: true }).fill("Alice Liddell");
    await page.getByLabel("Login at the mail system").fill("alice");
    await page.getByLabel("Password at the mail system").fill("alice-pass");
    await page.getByRole("button", { name: "Add mailbox" }).click();
    await page.waitForURL(/\/mailboxes\/[0-9a-f-]{36}\?added=1$/);
    const mailboxUrl = page.url().replace(/\?.*$/, "");

    // ---- add a phone: QR code --------------------------------------------
    await page.getByLabel("Phone name").fill("Alice's iPhone");
    await page.getByRole("button", { name: "Create setup QR code" }).click();
    const qr = page.getByTestId("enroll-qr");
    await qr.waitFor();
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml;base64,/);
    const enrollUrl = await page.getByTestId("enroll-url").inputValue();
    expect(enrollUrl).toMatch(/\/enroll\/[A-Za-z0-9_-]{43}$/);
    await shoot(page, "11-mailbox-qr");

    // ---- the iPhone opens the link: a configuration profile ---------------
    const iphone = phone.pages()[0] ?? (await phone.newPage());
    const [download] = await Promise.all([iphone.waitForEvent("download"), iphone.goto(enrollUrl).catch(() => {})]);
    expect(download.suggestedFilename()).toBe(`${address}.mobileconfig`);
    const profile = plist.parse(await readFile((await download.path())!, "utf8")) as {
      PayloadType: string;
      PayloadContent: Array<Record<string, unknown>>;
    };
    expect(profile.PayloadType).toBe("Configuration");
    const mail = profile.PayloadContent[0];
    expect(mail).toMatchObject({
      PayloadType: "com.apple.mail.managed",
      EmailAddress: address,
      IncomingMailServerHostName: "mail.postern.test",
      IncomingMailServerPortNumber: gateway.ports.imaps,
      IncomingMailServerUseSSL: true,
      OutgoingMailServerPortNumber: gateway.ports.smtps,
    });

    // ---- its credentials read the Dovecot message through the gateway ----
    const body = await python(
      `
import imaplib, ssl, sys, time
port, ca, user, password, subject = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
deadline = time.time() + 60
while True:
    m = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx)
    m.login(user, password)
    m.select("INBOX")
    typ, data = m.search(None, "SUBJECT", '"%s"' % subject)
    if data[0].split():
        typ, msg = m.fetch(data[0].split()[-1], "(BODY[])")
        sys.stdout.write(msg[0][1].decode())
        m.logout()
        break
    m.logout()
    if time.time() > deadline:
        sys.exit("the message did not arrive within 60 s")
    time.sleep(0.25)
`,
      [
        gateway.ports.imaps,
        path.join(gateway.dataDir, "tls/selfsigned.crt"),
        String(mail.IncomingMailServerUsername),
        String(mail.IncomingPassword),
        SUBJECT,
      ],
      90_000,
    );
    expect(body).toContain(`Subject: ${SUBJECT}`);
    expect(body).toContain("The numbers are in.");

    // ---- the same link again: refused, nothing issued --------------------
    const devices = await testPrisma().device.count({ where: { mailbox: { address } } });
    await iphone.goto(enrollUrl);
    await iphone.getByTestId("enroll-refused").waitFor();
    expect(await iphone.getByTestId("enroll-refused").textContent()).toBe("This setup link was already used");
    expect(await testPrisma().device.count({ where: { mailbox: { address } } })).toBe(devices);
    await shoot(iphone, "20-enroll-refused");

    // ---- the rest of the product, photographed ----------------------------
    await page.goto(mailboxUrl);
    await page.getByText("Up to date").first().waitFor({ timeout: 30_000 });
    await shoot(page, "12-mailbox-detail");
    // An Android phone gets the settings page with its password.
    await page.getByLabel("Phone name").fill("Alice's Pixel");
    await page.getByRole("button", { name: "Create setup QR code" }).click();
    const androidUrl = await page.getByTestId("enroll-url").inputValue();
    const android = await context(ANDROID);
    const droid = android.pages()[0] ?? (await android.newPage());
    await droid.goto(androidUrl);
    expect(await droid.getByTestId("app-password").textContent()).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    await shoot(droid, "21-enroll-android");
    await android.close();

    const deviceId = (await testPrisma().device.findFirstOrThrow({ where: { mailbox: { address }, platform: "ios" } }))
      .id;
    for (const [name, url] of [
      ["13-overview", t],
      ["14-mailboxes", `${t}/mailboxes`],
      ["15-mailbox-import", `${t}/mailboxes/import`],
      ["16-devices", `${t}/devices`],
      ["17-device-timeline", `${t}/devices/${deviceId}`],
      ["18-team", `${t}/team`],
      ["19-audit", `${t}/audit`],
      ["22-backends", `${t}/backends`],
      ["23-help-setup", `${base}/help/setup`],
      ["24-not-found", `${t}/mailboxes/00000000-0000-0000-0000-000000000000`],
    ] as const) {
      await page.goto(url);
      await shoot(page, name);
    }
    // The owner's list of workspaces.
    await page.goto(`${base}/t`);
    await shoot(page, "25-workspaces");

    // ---- pages reached from mailed links, signed out ----------------------
    const ctx = testContext();
    const tenant = await testPrisma().tenant.findUniqueOrThrow({ where: { slug } });
    const owner = await testPrisma().user.findUniqueOrThrow({ where: { email: `ana@acme-${s}.example` } });
    const mailbox = await testPrisma().mailbox.findUniqueOrThrow({ where: { address } });
    const reset = await requestPasswordReset(ctx, owner.email);
    const verify = await issueEmailVerification(ctx, owner.id);
    const { token: inviteToken } = await createInvitation(ctx, {
      tenantId: tenant.id,
      email: `bo@acme-${s}.example`,
      role: "user",
      mailboxId: mailbox.id,
      inviterRole: "owner",
      invitedBy: owner.id,
    });
    const visitor = await context();
    const v = visitor.pages()[0] ?? (await visitor.newPage());
    await v.goto(`${base}/reset/${reset?.token}`);
    await v.getByLabel("New password").waitFor();
    await shoot(v, "26-reset-password");
    await v.goto(`${base}/verify/${verify}`);
    await shoot(v, "27-email-verified");
    expect((await testPrisma().user.findUniqueOrThrow({ where: { id: owner.id } })).emailVerifiedAt).not.toBeNull();

    // ---- the phone holder: accepts the invitation, sees only "My phone" ----
    await v.goto(`${base}/invite/${inviteToken}`);
    await shoot(v, "28-invitation");
    await v.getByLabel("Your name").fill("Bo Lind");
    await v.getByLabel("Choose a password").fill("bo's long password");
    await v.getByRole("button", { name: "Accept invitation" }).click();
    await v.waitForURL(/\/t\/[^/]+(\/my)?$/, { timeout: 30_000 });
    await v.goto(`${t}/my`);
    await v.getByRole("heading", { name: "My phone" }).waitFor();
    expect((await v.locator("main").textContent()) ?? "").toContain(address);
    await shoot(v, "29-my-phone");
    await visitor.close();

    // The device's timeline shows the enrollment and the gateway's last-seen.
    await page.goto(`${t}/devices/${deviceId}`);
    expect((await page.locator("main").textContent()) ?? "").toContain("Enrolled from a setup link");
  }, 300_000);
});
