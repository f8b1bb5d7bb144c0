// "Test connection" through the portal's own action, against a real Dovecot:
// what passes says what round-trips; what fails says why, in words.
import { signup } from "@postern/db/provisioning";
import { uniqueSuffix } from "@postern/db/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { type Dovecot, startDovecot } from "../../../test/helpers/dovecot.ts";
import { type CookieJar, callAction, type Portal, signIn, startPortal } from "../../../test/helpers/portal.ts";
import { freePort } from "../../../test/helpers/ports.ts";

const FILE = "apps/web/app/t/[slug]/backends/actions.ts";
const s = uniqueSuffix();
let portal: Portal;
let dovecot: Dovecot;
let jar: CookieJar;
let slug = "";

beforeAll(async () => {
  [portal, dovecot] = await Promise.all([startPortal(), startDovecot()]);
  const { tenant } = await signup(testContext(), {
    businessName: `Conn ${s}`,
    email: `owner@conn-${s}.example`,
    password: "a long enough password",
  });
  slug = tenant.slug;
  jar = await signIn(portal.url, `owner@conn-${s}.example`, "a long enough password");
}, 240_000);
afterAll(async () => {
  await portal?.stop();
  await dovecot?.stop();
});

type Report = {
  ok: boolean;
  title: string;
  summary?: string;
  problem?: string;
  fix?: string;
  lacks?: string[];
  roundTrip?: Array<{ change: string; how: string }>;
  push?: { available: boolean };
};
async function test(input: Record<string, unknown>): Promise<Report[]> {
  const r = (await callAction(portal.url, jar, `/t/${slug}/backends/new`, FILE, "testBackendAction", [slug, input]))
    .result as { ok: boolean; data: Report[] };
  expect(r.ok).toBe(true);
  return r.data;
}

describe("Test connection", () => {
  it("IMAP: logs in with the gateway's driver and reports the four changes and push", async () => {
    const [r] = await test({
      kind: "imap",
      host: "127.0.0.1",
      port: String(dovecot.imapsPort),
      security: "tls",
      tlsCa: dovecot.certPem,
      testLogin: "alice",
      testPassword: "alice-pass",
    });
    expect(r).toMatchObject({ ok: true, title: "Connected to the IMAP server" });
    expect(r.roundTrip?.map((t) => t.change)).toEqual(["New", "Read/Unread", "Deleted", "Filed"]);
    expect(r.push?.available).toBe(true);
    // Dovecot has every extension Postern uses.
    expect(r.lacks).toEqual([]);
  });

  it("POP3: says what the server keeps and what Postern keeps", async () => {
    const [r] = await test({
      kind: "pop3",
      host: "127.0.0.1",
      port: String(dovecot.pop3Port),
      security: "starttls",
      tlsCa: dovecot.certPem,
      testLogin: "bob",
      testPassword: "bob-pass",
    });
    expect(r).toMatchObject({ ok: true, title: "Connected to the POP3 server", push: { available: false } });
    expect(r.roundTrip?.find((t) => t.change === "Read/Unread")?.how).toContain("Kept by Postern");
    expect(r.roundTrip?.find((t) => t.change === "Deleted")?.how).toContain("DELE");
  });

  it("says, in words, a rejected password, an untrusted certificate, and a host it cannot reach", async () => {
    const imap = {
      kind: "imap",
      host: "127.0.0.1",
      port: String(dovecot.imapsPort),
      security: "tls",
      testLogin: "alice",
    };
    const [bad] = await test({ ...imap, tlsCa: dovecot.certPem, testPassword: "wrong" });
    expect(bad).toMatchObject({ ok: false, problem: expect.stringContaining("Password rejected") });
    const [cert] = await test({ ...imap, testPassword: "alice-pass" });
    expect(cert).toMatchObject({
      ok: false,
      problem: expect.stringContaining("Certificate not trusted"),
      fix: expect.stringContaining("CA"),
    });
    const closed = await freePort();
    const [down] = await test({ ...imap, port: String(closed), testPassword: "alice-pass" });
    expect(down).toMatchObject({ ok: false, problem: `Cannot reach 127.0.0.1:${closed}: the connection was refused.` });
    const [pop] = await test({
      kind: "pop3",
      host: "127.0.0.1",
      port: String(dovecot.pop3Port),
      security: "starttls",
      tlsCa: dovecot.certPem,
      testLogin: "bob",
      testPassword: "nope",
    });
    expect(pop).toMatchObject({ ok: false, problem: expect.stringContaining("Password rejected") });
  });
});
