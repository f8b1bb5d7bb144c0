// Microsoft 365 through the real built portal and a real PostgreSQL, against
// the Entra ID + Graph test double (test/fakes/microsoft.ts): Connect
// Microsoft 365 (admin consent, state and nonce), Test connection (an
// app-only token) and Import from Microsoft 365 (Graph /users, paged).
import { addBackend, addMailbox, signup } from "@postern/db/provisioning";
import { uniqueSuffix } from "@postern/db/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GraphUser, type MicrosoftDouble, startMicrosoftDouble } from "../../../test/fakes/microsoft.ts";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { type CookieJar, callAction, type Portal, signIn, startPortal } from "../../../test/helpers/portal.ts";
import { freePort } from "../../../test/helpers/ports.ts";

const F = {
  backends: "apps/web/app/t/[slug]/backends/actions.ts",
  mailboxes: "apps/web/app/t/[slug]/mailboxes/actions.ts",
};
const s = uniqueSuffix();
const PASSWORD = `m365-owner-password-${s}`;
let portal: Portal;
let ms: MicrosoftDouble;
const A = { slug: "", id: "", email: `owner-a-${s}@m365-a.example`, jar: null as unknown as CookieJar };
const B = { slug: "", id: "", email: `owner-b-${s}@m365-b.example`, jar: null as unknown as CookieJar };

beforeAll(async () => {
  [portal, ms] = await Promise.all([startPortal(), startMicrosoftDouble()]);
  ms.redirectUris = [`${portal.url}/api/m365/callback`];
  const ctx = testContext();
  for (const [t, name] of [
    [A, `M365 Alpha ${s}`],
    [B, `M365 Bravo ${s}`],
  ] as const) {
    const r = await signup(ctx, { businessName: name, email: t.email, password: PASSWORD });
    Object.assign(t, { slug: r.tenant.slug, id: r.tenant.id });
    t.jar = await signIn(portal.url, t.email, PASSWORD);
  }
}, 300_000);
afterAll(async () => {
  await portal?.stop();
  await ms?.stop();
});

/** A Graph backend pointed at the double, as an admin would enter it. */
async function graphBackend(
  tenantId: string,
  extra: { graphTenantId?: string; secret?: string; apiBase?: string } = {},
) {
  const b = await addBackend(testContext(), {
    tenantId,
    kind: "graph",
    name: `Microsoft 365 ${uniqueSuffix()}`,
    graphClientId: ms.clientId,
    graphAuthority: ms.authority,
    graphApiBase: extra.apiBase ?? ms.graphApiBase,
    graphTenantId: extra.graphTenantId,
    secret: extra.secret ?? ms.clientSecret,
  });
  return b.id;
}

async function get(url: string, jar?: CookieJar) {
  const res = await fetch(url, { headers: jar ? { cookie: jar.header() } : {}, redirect: "manual" });
  jar?.take(res);
  return { status: res.status, location: res.headers.get("location"), text: await res.text() };
}

const graphTenantOf = async (id: string) =>
  (await testPrisma().backend.findUniqueOrThrow({ where: { id } })).graphTenantId;

/** "Connect Microsoft 365" up to Entra's answer: the consent URL and where the double sends the browser back. */
async function consent(backendId: string, jar: CookieJar) {
  const start = await get(`${portal.url}/t/${A.slug}/backends/${backendId}/m365`, jar);
  expect([302, 303, 307]).toContain(start.status);
  const consentUrl = new URL(start.location!);
  const answer = await get(consentUrl.toString());
  expect(answer.status).toBe(302);
  return { consentUrl, back: new URL(answer.location!) };
}

describe("the Entra ID + Graph double", () => {
  it("answers /token and /users as reference A1, A2 and A10 say", async () => {
    const token = (form: Record<string, string>, tenant = ms.tenantId) =>
      fetch(`${ms.authority}/${tenant}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: ms.clientId, ...form }),
      });
    const good = { client_secret: ms.clientSecret, scope: `${ms.url}/.default` };
    const scope = await token({ ...good, scope: `${ms.url}/User.Read.All` });
    expect(scope.status).toBe(400);
    expect(await scope.json()).toMatchObject({ error: "invalid_scope", error_codes: [1002012] });
    const secret = await token({ ...good, client_secret: "wrong" });
    expect(secret.status).toBe(401);
    expect(await secret.json()).toMatchObject({ error: "invalid_client" });
    expect((await token(good, "00000000-0000-0000-0000-000000000000")).status).toBe(400);
    const ok = await token(good, ms.tenantDomain);
    const t = (await ok.json()) as { token_type: string; expires_in: number; access_token: string };
    expect(t).toMatchObject({ token_type: "Bearer", expires_in: 3599 });

    ms.users = Array.from({ length: 25 }, (_, i) => ({
      id: `u${i}`,
      displayName: `User ${i}`,
      userPrincipalName: `u${i}@${ms.tenantDomain}`,
      mail: null,
    }));
    ms.pageSizeCap = null;
    ms.consented = true;
    const users = (url: string, bearer = t.access_token) =>
      fetch(url, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    const anonymous = await users(`${ms.graphApiBase}/users`, "");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(await anonymous.json()).toMatchObject({ error: { code: "InvalidAuthenticationToken" } });
    const sizes: number[] = [];
    let next: string | undefined = `${ms.graphApiBase}/users`;
    while (next) {
      const page = (await (await users(next)).json()) as { value: unknown[]; "@odata.nextLink"?: string };
      sizes.push(page.value.length);
      next = page["@odata.nextLink"];
      if (next) expect(next).toMatch(new RegExp(`^${ms.graphApiBase}/users\\?.*\\$skiptoken=`));
    }
    expect(sizes).toEqual([10, 10, 5]);
    const few = (await (await users(`${ms.graphApiBase}/users?$select=id,mail&$top=3`)).json()) as {
      value: object[];
    };
    expect(few.value).toEqual([
      { id: "u0", mail: null },
      { id: "u1", mail: null },
      { id: "u2", mail: null },
    ]);
    ms.consented = false;
    const denied = await users(`${ms.graphApiBase}/users`);
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { code: "ErrorAccessDenied" } });
    ms.expireTokens();
    expect(await (await users(`${ms.graphApiBase}/users`)).json()).toMatchObject({
      error: { code: "InvalidAuthenticationToken", message: "Access token has expired or is not yet valid." },
    });
  });
});

describe("Connect Microsoft 365", () => {
  it("sends the admin to admin consent and stores the tenant Microsoft returns", async () => {
    const id = await graphBackend(A.id);
    const { consentUrl, back } = await consent(id, A.jar);
    expect(`${consentUrl.origin}${consentUrl.pathname}`).toBe(`${ms.url}/common/adminconsent`);
    expect(consentUrl.searchParams.get("client_id")).toBe(ms.clientId);
    expect(consentUrl.searchParams.get("redirect_uri")).toBe(`${portal.url}/api/m365/callback`);
    const state = consentUrl.searchParams.get("state");
    expect(state).toBeTruthy();
    expect(`${back.origin}${back.pathname}`).toBe(`${portal.url}/api/m365/callback`);
    expect(Object.fromEntries(back.searchParams)).toEqual({ tenant: ms.tenantId, state, admin_consent: "True" });
    expect(await graphTenantOf(id)).toBeNull();

    const done = await get(back.toString(), A.jar);
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${portal.url}/t/${A.slug}/backends/${id}?m365=connected`);
    expect(await graphTenantOf(id)).toBe(ms.tenantId);
    const page = await get(done.location!, A.jar);
    expect(page.text).toContain("Microsoft 365 is connected");
    expect(page.text).toContain(`Connected to tenant ${ms.tenantId}`);
    // Connecting again asks the tenant now known, not `common`.
    const again = await get(`${portal.url}/t/${A.slug}/backends/${id}/m365`, A.jar);
    expect(new URL(again.location!).pathname).toBe(`/${ms.tenantId}/adminconsent`);
  });

  it("says so when the admin declines, and stores nothing", async () => {
    const id = await graphBackend(A.id);
    ms.consentAnswer = "deny";
    try {
      const { back } = await consent(id, A.jar);
      expect(back.searchParams.get("error")).toBe("permission_denied");
      const done = await get(back.toString(), A.jar);
      expect(done.status).toBe(303);
      expect(new URL(done.location!).pathname).toBe(`/t/${A.slug}/backends/${id}`);
      const page = await get(done.location!, A.jar);
      expect(page.text).toContain("Microsoft did not grant access: The admin canceled the request");
      expect(await graphTenantOf(id)).toBeNull();
    } finally {
      ms.consentAnswer = "grant";
    }
  });

  it("refuses a changed state, and a state brought back by another browser", async () => {
    const id = await graphBackend(A.id);
    const other = await graphBackend(A.id);
    const { back } = await consent(id, A.jar);
    const [payload, mac] = back.searchParams.get("state")!.split(".");

    // The state names another backend, keeping the signature.
    const changed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { b: string };
    changed.b = other;
    const forged = new URL(back);
    forged.searchParams.set("state", `${Buffer.from(JSON.stringify(changed)).toString("base64url")}.${mac}`);
    const r1 = await get(forged.toString(), A.jar);
    expect(r1.status).toBe(400);
    expect(r1.text).toContain("was not for this Postern");

    // The genuine state, but in a browser that did not start the connection (no nonce cookie).
    const elsewhere = await signIn(portal.url, A.email, PASSWORD);
    const r2 = await get(back.toString(), elsewhere);
    expect(decodeURIComponent(r2.location ?? "")).toContain("Finish the connection in the browser that started it");
    expect(await graphTenantOf(id)).toBeNull();
    expect(await graphTenantOf(other)).toBeNull();

    // The same answer in the browser that started it is accepted: the refusals were the tampering.
    const r3 = await get(back.toString(), A.jar);
    expect(r3.location).toContain("m365=connected");
    expect(await graphTenantOf(id)).toBe(ms.tenantId);
    expect(await graphTenantOf(other)).toBeNull();
  });
});

describe("Test connection (Microsoft 365)", () => {
  it("gets a token with the right secret and says the secret was rejected with a wrong one", async () => {
    const form = {
      kind: "graph",
      name: "Microsoft 365",
      graphTenantId: ms.tenantId,
      graphClientId: ms.clientId,
      graphAuthority: ms.authority,
      graphApiBase: ms.graphApiBase,
    };
    const test = async (secret: string) => {
      const r = await callAction(portal.url, A.jar, `/t/${A.slug}/backends/new`, F.backends, "testBackendAction", [
        A.slug,
        { ...form, secret },
      ]);
      const out = r.result as {
        ok: boolean;
        data: Array<{ ok: boolean; title: string; summary?: string; problem?: string }>;
      };
      expect(out.ok).toBe(true);
      return out.data;
    };
    const [good] = await test(ms.clientSecret);
    expect(good).toMatchObject({ ok: true, title: "Microsoft 365 granted access" });
    expect(good.summary).toContain(`${ms.url}/.default`);
    const [bad] = await test(`${ms.clientSecret}-wrong`);
    expect(bad).toMatchObject({ ok: false, title: "Microsoft 365 refused" });
    expect(bad.problem).toContain("client secret was rejected");
  });
});

describe("Import from Microsoft 365", () => {
  const domain = `m365-${s}.example`;
  const importAs = async (jar: CookieJar, slug: string, backendId: string) =>
    (
      await callAction(portal.url, jar, `/t/${slug}/mailboxes/import`, F.mailboxes, "importM365MailboxesAction", [
        slug,
        { backendId },
      ])
    ).result as {
      ok: boolean;
      error?: string;
      data?: Array<{ line: number; address: string; ok: boolean; outcome: string; message: string }>;
    };
  const usersRequests = () => ms.requests.filter((r) => r.url.startsWith("/v1.0/users"));
  const mailboxesOf = (backendId: string) =>
    testPrisma().mailbox.findMany({
      where: { backendId },
      orderBy: { address: "asc" },
      omit: { secretCipher: false },
    });

  it("adds every user with mail, over three pages: 21 added, 1 already there, 3 without a mailbox", async () => {
    const users: GraphUser[] = Array.from({ length: 25 }, (_, i) => {
      const n = String(i + 1).padStart(2, "0");
      return {
        id: `00000000-0000-0000-0000-0000000000${n}`,
        displayName: `Person ${n} ${s}`,
        userPrincipalName: `person${n}@${ms.tenantDomain}`,
        mail: [5, 12, 20].includes(i + 1) ? null : `Person${n}@${domain.toUpperCase()}`,
      };
    });
    const id = await graphBackend(A.id, { graphTenantId: ms.tenantId });
    await addMailbox(testContext(), {
      tenantId: A.id,
      backendId: id,
      address: `person03@${domain}`,
      displayName: "Already Here",
    });
    Object.assign(ms, { users, consented: true, pageSizeCap: 10 });

    const page = await get(`${portal.url}/t/${A.slug}/mailboxes/import`, A.jar);
    expect(page.text).toContain("Import from Microsoft 365");
    const seen = usersRequests().length;
    const r = await importAs(A.jar, A.slug, id);
    expect(r.error).toBeUndefined();
    const rows = r.data!;
    expect(rows).toHaveLength(25);
    const outcome = (o: string) => rows.filter((x) => x.outcome === o);
    expect(outcome("added")).toHaveLength(21);
    expect(outcome("exists").map((x) => x.address)).toEqual([`person03@${domain}`]);
    expect(outcome("skipped").map((x) => x.address)).toEqual(
      [5, 12, 20].map((n) => `person${String(n).padStart(2, "0")}@${ms.tenantDomain}`),
    );
    expect(outcome("skipped")[0].message).toContain("no mailbox");

    // Three pages: the first as asked, the rest by following nextLink verbatim.
    const requests = usersRequests().slice(seen);
    expect(requests).toHaveLength(3);
    expect(decodeURIComponent(requests[0].url)).toBe(
      "/v1.0/users?$select=id,displayName,mail,userPrincipalName&$top=999",
    );
    expect(requests.slice(1).every((q) => q.url.includes("$skiptoken="))).toBe(true);

    const rowsInDb = await mailboxesOf(id);
    expect(rowsInDb).toHaveLength(22);
    for (const u of users.filter((x) => x.mail && !x.mail.startsWith("Person03"))) {
      const m = rowsInDb.find((x) => x.address === u.mail!.toLowerCase());
      expect(m, u.mail!).toMatchObject({ tenantId: A.id, displayName: u.displayName, login: u.userPrincipalName });
      expect(m?.secretCipher).toBeNull();
    }
    expect(rowsInDb.find((x) => x.address === `person03@${domain}`)?.displayName).toBe("Already Here");
    const audit = await testPrisma().auditEvent.findFirst({
      where: { tenantId: A.id, action: "mailbox.import", target: id },
    });
    expect(audit?.data).toMatchObject({ source: "microsoft365", added: 21, exists: 1, skipped: 3, errors: 0 });

    // Again: nothing new, nothing duplicated.
    const again = (await importAs(A.jar, A.slug, id)).data!;
    expect(again.filter((x) => x.outcome === "exists")).toHaveLength(22);
    expect(await mailboxesOf(id)).toHaveLength(22);
  });

  it("says what to do when the secret is rejected, User.Read.All is not granted, or Graph is unreachable", async () => {
    Object.assign(ms, {
      users: [{ id: "x", displayName: "X", userPrincipalName: `x@${ms.tenantDomain}`, mail: `x-${s}@${domain}` }],
      pageSizeCap: null,
    });
    const wrongSecret = await graphBackend(A.id, { graphTenantId: ms.tenantId, secret: "not the secret" });
    ms.consented = true;
    expect((await importAs(A.jar, A.slug, wrongSecret)).error).toContain("client secret was rejected");

    const noConsent = await graphBackend(A.id, { graphTenantId: ms.tenantId });
    ms.consented = false;
    const denied = await importAs(A.jar, A.slug, noConsent);
    expect(denied.error).toContain("User.Read.All");
    expect(denied.error).toContain("Connect Microsoft 365");

    const closed = await freePort();
    const down = await graphBackend(A.id, { graphTenantId: ms.tenantId, apiBase: `http://127.0.0.1:${closed}/v1.0` });
    ms.consented = true;
    expect((await importAs(A.jar, A.slug, down)).error).toContain("Microsoft Graph is unreachable");

    for (const id of [wrongSecret, noConsent, down]) expect(await mailboxesOf(id)).toHaveLength(0);
  });

  it("stops at 5,000 users and says so", async () => {
    ms.users = Array.from({ length: 9000 }, (_, i) => ({
      id: `big-${i}`,
      displayName: `Big ${i}`,
      userPrincipalName: `big${i}@${ms.tenantDomain}`,
      mail: `big${i}-${s}@${domain}`,
    }));
    Object.assign(ms, { consented: true, pageSizeCap: null });
    const id = await graphBackend(A.id, { graphTenantId: ms.tenantId });
    const seen = usersRequests().length;
    const r = await importAs(A.jar, A.slug, id);
    expect(r.error).toContain("more than 5,000 users");
    // 999 a page: the sixth page passes 5,000, and listing stops there.
    expect(usersRequests().length - seen).toBe(6);
    expect(await mailboxesOf(id)).toHaveLength(0);
  });

  it("is not offered to, nor runs for, another tenant's admin", async () => {
    const id = await graphBackend(A.id, { graphTenantId: ms.tenantId });
    Object.assign(ms, {
      users: [{ id: "y", displayName: "Y", userPrincipalName: `y@${ms.tenantDomain}`, mail: `y-${s}@${domain}` }],
      consented: true,
    });
    const seen = usersRequests().length;
    const bySlug = await importAs(B.jar, A.slug, id);
    expect(bySlug).toMatchObject({ ok: false, error: expect.stringContaining("do not have access") });
    const byId = await importAs(B.jar, B.slug, id);
    expect(byId).toMatchObject({ ok: false, error: "No such Microsoft 365 mail system in this workspace" });
    expect(usersRequests().length - seen).toBe(0);
    expect(await mailboxesOf(id)).toHaveLength(0);
    // B's own Microsoft 365 backend is not connected yet: B is offered the CSV import only.
    await graphBackend(B.id);
    const page = await get(`${portal.url}/t/${B.slug}/mailboxes/import`, B.jar);
    expect(page.text).toContain("Import mailboxes");
    expect(page.text).not.toContain("Import from Microsoft 365");
    // The same call by A's admin does run: the refusals above were about who asked.
    expect((await importAs(A.jar, A.slug, id)).data?.map((x) => x.outcome)).toEqual(["added"]);
  });
});
