// The portal's public routes against the real built portal (next start) and
// the run's database: signup through its server action, autoconfig and
// Autodiscover by domain, and setup links — single use, 15 minutes, a
// profile for iOS and a settings page elsewhere.
import { addMailbox, createEnrollment, signup } from "@postern/db/provisioning";
import { uniqueSuffix } from "@postern/db/seed";
import { XMLParser } from "fast-xml-parser";
import * as plist from "plist";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { callAction, type Portal, signIn, startPortal } from "../../../test/helpers/portal.ts";

const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
const ANDROID =
  "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  isArray: (n) => ["incomingServer", "outgoingServer", "Protocol"].includes(n),
});

let portal: Portal;
const s = uniqueSuffix();
const domain = `routes-${s}.example`;
let mailboxId = "";
let tenantId = "";

beforeAll(async () => {
  portal = await startPortal();
  const ctx = testContext();
  const { tenant } = await signup(ctx, {
    businessName: `Routes ${s}`,
    email: `owner@${domain}`,
    password: "correct horse battery",
  });
  tenantId = tenant.id;
  const backend = await ctx.prisma.backend.create({ data: { tenantId, kind: "hosted", name: "hosted" } });
  mailboxId = (await addMailbox(ctx, { tenantId, backendId: backend.id, address: `ana@${domain}`, displayName: "Ana" }))
    .id;
}, 240_000);
afterAll(async () => portal?.stop());

describe("signup", () => {
  it("creates the tenant and its owner through the form's action, then the owner signs in", async () => {
    const email = `new-${s}@signup.example`;
    const r = await callAction(portal.url, null, "/signup", "apps/web/app/(account)/actions.ts", "signupAction", [
      { businessName: `Signup Co ${s}`, email, password: "a long enough password" },
    ]);
    expect(r.result).toMatchObject({ ok: true, data: { slug: expect.stringMatching(/^signup-co-/) } });
    const user = await testPrisma().user.findUnique({ where: { email }, include: { memberships: true } });
    expect(user?.memberships[0].role).toBe("owner");
    const jar = await signIn(portal.url, email, "a long enough password");
    const slug = (r.result as { data: { slug: string } }).data.slug;
    const home = await fetch(`${portal.url}/t/${slug}`, { headers: { cookie: jar.header() } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain(`Signup Co ${s}`);
    // The same email again: refused in words.
    const again = await callAction(portal.url, null, "/signup", "apps/web/app/(account)/actions.ts", "signupAction", [
      { businessName: "Other", email, password: "a long enough password" },
    ]);
    expect(again.result).toMatchObject({ ok: false, error: expect.stringContaining("already exists") });
    const short = await callAction(portal.url, null, "/signup", "apps/web/app/(account)/actions.ts", "signupAction", [
      { businessName: "Other", email: `x${email}`, password: "short" },
    ]);
    expect(short.result).toMatchObject({
      ok: false,
      fieldErrors: { password: expect.stringContaining("10 characters") },
    });
  });
});

describe("password reset, invitations and sign-in limits", () => {
  const ACCOUNT = "apps/web/app/(account)/actions.ts";
  it("mails (here: logs) a reset link that works once", async () => {
    const email = `owner@${domain}`;
    const r = await callAction(portal.url, null, "/forgot", ACCOUNT, "forgotAction", [{ email }]);
    expect(r.result).toMatchObject({ ok: true });
    // No relay configured: the link is in the portal's log for the operator.
    let link = "";
    for (
      const deadline = Date.now() + 5000;
      !link && Date.now() < deadline;
      await new Promise((res) => setTimeout(res, 50))
    ) {
      link = /"kind":"reset","to":"[^"]+","link":"([^"]+)"/.exec(portal.output())?.[1] ?? "";
    }
    const token = link.split("/reset/")[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await (await fetch(link)).text()).toContain("New password");
    const reset = await callAction(portal.url, null, `/reset/${token}`, ACCOUNT, "resetAction", [
      { token, password: "a brand new password" },
    ]);
    expect(reset.result).toMatchObject({ ok: true });
    await signIn(portal.url, email, "a brand new password");
    const again = await callAction(portal.url, null, `/reset/${token}`, ACCOUNT, "resetAction", [
      { token, password: "another new password" },
    ]);
    expect(again.result).toMatchObject({ ok: false, error: expect.stringContaining("expired or was already used") });
    // Unknown addresses get the same answer.
    expect(
      (await callAction(portal.url, null, "/forgot", ACCOUNT, "forgotAction", [{ email: `nobody-${s}@x.example` }]))
        .result,
    ).toMatchObject({ ok: true });
  });

  it("turns an accepted invitation into an account with the invited role", async () => {
    const owner = await signIn(portal.url, `owner@${domain}`, "a brand new password");
    const slug = (await testPrisma().tenant.findUniqueOrThrow({ where: { id: tenantId } })).slug;
    const inv = await callAction(
      portal.url,
      owner,
      `/t/${slug}/team`,
      "apps/web/app/t/[slug]/team/actions.ts",
      "inviteAction",
      [slug, { email: `holder@${domain}`, role: "user", mailboxId }],
    );
    const link = (inv.result as { data: { link: string; mailed: boolean } }).data.link;
    const token = link.split("/invite/")[1];
    expect((await (await fetch(link)).text()).replace(/<!-- -->/g, "")).toContain(`Join Routes ${s} on Postern`);
    const accepted = await callAction(portal.url, null, `/invite/${token}`, ACCOUNT, "acceptInviteAction", [
      { token, name: "Holder", password: "holder password 1" },
    ]);
    expect(accepted.result).toMatchObject({ ok: true, data: { slug } });
    const jar = await signIn(portal.url, `holder@${domain}`, "holder password 1");
    const my = await fetch(`${portal.url}/t/${slug}/my`, { headers: { cookie: jar.header() } });
    expect(await my.text()).toContain(`ana@${domain}`);
    expect(
      (
        await callAction(portal.url, null, `/invite/${token}`, ACCOUNT, "acceptInviteAction", [
          { token, password: "holder password 1" },
        ])
      ).result,
    ).toMatchObject({ ok: false });
  });

  it("stops sign-in for an email after 10 failures, and says for how long", async () => {
    const email = `limited-${s}@x.example`;
    const attempt = async () => {
      const csrf = await fetch(`${portal.url}/api/auth/csrf`);
      const cookie = csrf.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      const { csrfToken } = (await csrf.json()) as { csrfToken: string };
      const res = await fetch(`${portal.url}/api/auth/callback/credentials`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams({ csrfToken, email, password: "wrong password", json: "true" }),
        redirect: "manual",
      });
      return decodeURIComponent(new URL((await res.json()).url as string).searchParams.get("error") ?? "");
    };
    for (let i = 0; i < 10; i++) expect(await attempt()).toBe("That email and password do not match an account.");
    expect(await attempt()).toMatch(/^Too many failed sign-ins\. Try again in 15 minutes/);
  });
});

describe("autoconfig and autodiscover", () => {
  it("serves Thunderbird autoconfig by the address's domain on both paths, and by host name", async () => {
    for (const path of ["/.well-known/autoconfig/mail/config-v1.1.xml", "/mail/config-v1.1.xml"]) {
      const res = await fetch(`${portal.url}${path}?emailaddress=${encodeURIComponent(`ana@${domain}`)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/xml/);
      const p = parser.parse(await res.text()).clientConfig.emailProvider;
      expect(p["@id"]).toBe(domain);
      const imap = p.incomingServer[0];
      expect(imap).toMatchObject({ "@type": "imap", hostname: "mail.postern.test", socketType: "SSL", port: 1993 });
      // What a client does with the placeholder.
      expect(imap.username.replace("%EMAILADDRESS%", `ana@${domain}`)).toBe(`ana@${domain}`);
    }
    const byHost = await fetch(`${portal.url}/mail/config-v1.1.xml`, {
      headers: { "x-forwarded-host": `autoconfig.${domain}` },
    });
    expect(byHost.status).toBe(200);
    const unknown = await fetch(`${portal.url}/mail/config-v1.1.xml?emailaddress=someone@unknown-${s}.example`);
    expect(unknown.status).toBe(404);
  });

  it("answers Autodiscover POX for known domains only", async () => {
    const ask = (address: string) =>
      fetch(`${portal.url}/autodiscover/autodiscover.xml`, {
        method: "POST",
        headers: { "content-type": "text/xml" },
        body: `<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`,
      });
    const ok = await ask(`ana@${domain}`);
    expect(ok.status).toBe(200);
    const protocols = parser.parse(await ok.text()).Autodiscover.Response.Account.Protocol;
    expect(protocols.map((p: { Type: string }) => p.Type)).toEqual(["IMAP", "SMTP"]);
    expect(protocols[0]).toMatchObject({
      Server: "mail.postern.test",
      Port: 1993,
      SSL: "on",
      LoginName: `ana@${domain}`,
    });
    expect((await ask(`ana@unknown-${s}.example`)).status).toBe(404);
    const bad = await fetch(`${portal.url}/Autodiscover/Autodiscover.xml`, { method: "POST", body: "garbage" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("<ErrorCode>600</ErrorCode>");
  });
});

describe("setup links", () => {
  const link = async () => {
    const e = await createEnrollment(testContext(), { tenantId, mailboxId, name: "Ana's phone", createdBy: "test" });
    return { url: `${portal.url}/enroll/${e.token}`, id: e.id };
  };
  const devices = () => testPrisma().device.count({ where: { mailboxId } });

  it("serves an iPhone a profile once; the second open is refused and issues nothing", async () => {
    const { url, id } = await link();
    const before = await devices();
    const res = await fetch(url, { headers: { "user-agent": IPHONE }, redirect: "manual" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-apple-aspen-config");
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename=".+\.mobileconfig"/);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const profile = plist.parse(await res.text()) as { PayloadContent: Array<Record<string, unknown>> };
    const mail = profile.PayloadContent[0];
    expect(mail.IncomingPassword).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(await devices()).toBe(before + 1);
    const row = await testPrisma().enrollmentToken.findUniqueOrThrow({ where: { id } });
    expect(row.usedAt).not.toBeNull();
    const device = await testPrisma().device.findUniqueOrThrow({ where: { id: row.deviceId! } });
    expect(device.platform).toBe("ios");

    const again = await fetch(url, { headers: { "user-agent": IPHONE } });
    const page = await again.text();
    expect(again.headers.get("content-type")).toMatch(/text\/html/);
    expect(page).toContain("This setup link was already used");
    expect(await devices()).toBe(before + 1);
  });

  it("shows other phones the settings and the password once", async () => {
    const { url } = await link();
    const res = await fetch(url, { headers: { "user-agent": ANDROID } });
    const html = await res.text();
    expect(res.headers.get("cache-control")).toContain("no-store");
    const password = /data-testid="app-password"[^>]*>([a-z2-9-]{19})</.exec(html)?.[1];
    expect(password).toBeDefined();
    expect(html).toContain("mail.postern.test");
    expect(html).toContain("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=");
    const again = await (await fetch(url, { headers: { "user-agent": ANDROID } })).text();
    expect(again).toContain("already used");
    expect(again).not.toContain(password!);
  });

  it("refuses an expired link and creates nothing", async () => {
    const { url, id } = await link();
    await testPrisma().enrollmentToken.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const before = await devices();
    const html = await (await fetch(url, { headers: { "user-agent": IPHONE } })).text();
    expect(html).toContain("This setup link has expired");
    expect(await devices()).toBe(before);
    const unknown = await (
      await fetch(`${portal.url}/enroll/${"x".repeat(43)}`, { headers: { "user-agent": ANDROID } })
    ).text();
    expect(unknown).toContain("not valid");
  });

  it("issues exactly one device when the same link is opened twice at once", async () => {
    const { url } = await link();
    const before = await devices();
    const both = await Promise.all(
      [1, 2].map(() => fetch(url, { headers: { "user-agent": IPHONE } }).then((r) => r.headers.get("content-type"))),
    );
    expect(both.filter((t) => t === "application/x-apple-aspen-config")).toHaveLength(1);
    expect(await devices()).toBe(before + 1);
  });
});
