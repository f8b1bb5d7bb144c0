// Login defences, each attacked over a raw socket: failures per connection,
// slowed and rate-limited failures (per address and per client IP), no
// password in the clear, STARTTLS command injection, and device revocation
// reaching sessions that are already open.
import { deviceTimeline, revokeDevice } from "@postern/db/provisioning";
import { type SeededMailbox, seedMailbox } from "@postern/db/seed";
import { MAX_AUTH_FAILURES_PER_CONNECTION, MAX_PIPELINED_BYTES } from "@postern/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { eventually } from "../../../test/helpers/ports.ts";
import { RawImap } from "../../../test/helpers/raw-imap.ts";
import type { DeviceAuthOptions } from "../src/auth/devices.ts";

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;
const LOOPBACK = { POSTERN_PLAINTEXT_LOOPBACK: "true" };
const MANY = { perAddress: 1000, perIp: 1000, windowMs: 60_000 };

function gateway(env: Record<string, string>, auth: DeviceAuthOptions) {
  const ref: { gw: TestGateway } = { gw: undefined as unknown as TestGateway };
  beforeAll(async () => {
    ref.gw = await startTestGateway(env, { auth });
  });
  afterAll(() => ref.gw?.close());
  return ref;
}

const login = (c: RawImap, tag: string, user: string, pass: string) => c.command(tag, `LOGIN "${user}" "${pass}"`);

/** A LOGIN on a fresh connection: its reply and how long it took. */
async function timedLogin(gw: TestGateway, user: string, pass: string) {
  const c = await RawImap.connect(gw.ports.imap);
  const started = performance.now();
  const r = await login(c, "t", user, pass);
  const ms = performance.now() - started;
  c.close();
  return { r, ms };
}

describe("failed logins per connection", () => {
  const g = gateway(LOOPBACK, { failureDelayMs: 10, rateLimits: MANY });

  it(`says BYE after MAX_AUTH_FAILURES_PER_CONNECTION (${MAX_AUTH_FAILURES_PER_CONNECTION}) failed LOGINs`, async () => {
    const m = await seedMailbox(testContext());
    // One fewer failure, then the right password: logged in (no lockout of a typo).
    const a = await RawImap.connect(g.gw.ports.imap);
    for (let i = 1; i < MAX_AUTH_FAILURES_PER_CONNECTION; i++)
      expect((await login(a, `a${i}`, m.address, "wrong")).code).toBe("AUTHENTICATIONFAILED");
    expect((await login(a, "a9", m.address, m.password)).status).toBe("OK");
    a.close();
    const c = await RawImap.connect(g.gw.ports.imap);
    for (let i = 1; i < MAX_AUTH_FAILURES_PER_CONNECTION; i++)
      expect((await login(c, `b${i}`, m.address, `wrong${i}`)).status).toBe("NO");
    c.send(`b9 LOGIN "${m.address}" "wrong"\r\nb10 LOGIN "${m.address}" "${m.password}"\r\n`);
    const out = await c.readUntil(/\* BYE [^\r]*\r\n/);
    expect(out).toMatch(/^b9 NO \[AUTHENTICATIONFAILED\] [^\r]*\r\n\* BYE Too many failed logins\r\n$/);
    await c.closed;
    // The pipelined LOGIN after the limit was never run.
    expect(c.unread().toString("latin1")).toBe("");
  });
});

describe("failed logins are slowed", () => {
  const DELAY = 300;
  const g = gateway(LOOPBACK, { failureDelayMs: DELAY, rateLimits: MANY });

  it(`answers a failed LOGIN after ≥ ${DELAY} ms and a good one at once`, async () => {
    const m = await seedMailbox(testContext());
    // The first good login pays the slow hash once; later ones hit the credential cache.
    expect((await timedLogin(g.gw, m.address, m.password)).r.status).toBe("OK");
    const wrong = await timedLogin(g.gw, m.address, "wrong-password");
    const unknown = await timedLogin(g.gw, `nobody@${m.domain}`, "x");
    const good = await timedLogin(g.gw, m.address, m.password);
    expect(wrong.r.code).toBe("AUTHENTICATIONFAILED");
    expect(unknown.r.code).toBe("AUTHENTICATIONFAILED");
    expect(good.r.status).toBe("OK");
    expect(wrong.ms).toBeGreaterThanOrEqual(DELAY - 5);
    expect(unknown.ms).toBeGreaterThanOrEqual(DELAY - 5);
    expect(good.ms).toBeLessThan(DELAY);
  });
  it(`reads on past MAX_PIPELINED_BYTES (${MAX_PIPELINED_BYTES}) sent while a slow command runs`, async () => {
    // While the failed LOGIN waits out its delay, the client pipelines a literal bigger than
    // MAX_PIPELINED_BYTES: the server stops reading, then must start again once LOGIN is answered.
    const c = await RawImap.connect(g.gw.ports.imap);
    const big = Buffer.alloc(MAX_PIPELINED_BYTES + 512 * 1024, "a2 LOGOUT\r\n");
    c.send(`a1 LOGIN nobody@example.invalid wrong\r\na2 ID ("x" {${big.length}+}\r\n`);
    c.send(Buffer.concat([big, Buffer.from(")\r\na3 NOOP\r\n")]));
    const r = await c.response("a3", 10_000);
    expect(r.text).toMatch(/^a1 NO \[AUTHENTICATIONFAILED\] [^\r]*\r\na2 BAD Literal too large[^\r]*\r\na3 OK /);
    c.close();
  });
});

describe("login rate limit per address", () => {
  const g = gateway(LOOPBACK, { failureDelayMs: 10, rateLimits: { perAddress: 3, perIp: 1000, windowMs: 60_000 } });

  it("refuses even the right password with NO [LIMIT] after too many failures for that address", async () => {
    const [victim, other] = [await seedMailbox(testContext()), await seedMailbox(testContext())];
    expect((await timedLogin(g.gw, victim.address, victim.password)).r.status).toBe("OK");
    for (let i = 0; i < 3; i++)
      expect((await timedLogin(g.gw, victim.address, `guess${i}`)).r.code).toBe("AUTHENTICATIONFAILED");
    const refused = await timedLogin(g.gw, victim.address, victim.password);
    expect(refused.r.line).toMatch(/^t NO \[LIMIT\] /);
    // Case and spaces do not make a new address.
    expect((await timedLogin(g.gw, ` ${victim.address.toUpperCase()}`, victim.password)).r.code).toBe("LIMIT");
    // Another address from the same client IP is not affected.
    expect((await timedLogin(g.gw, other.address, other.password)).r.status).toBe("OK");
  });
});

describe("login rate limit per client IP", () => {
  // Every test connection comes from 127.0.0.1: failures spread over many
  // addresses (none reaching its own limit) must still stop this IP.
  const g = gateway(LOOPBACK, { failureDelayMs: 10, rateLimits: { perAddress: 1000, perIp: 4, windowMs: 60_000 } });

  it("refuses every address from an IP after too many failures from it", async () => {
    const m = await seedMailbox(testContext());
    expect((await timedLogin(g.gw, m.address, m.password)).r.status).toBe("OK");
    for (let i = 0; i < 4; i++)
      expect((await timedLogin(g.gw, `spray${i}@${m.domain}`, "x")).r.code).toBe("AUTHENTICATIONFAILED");
    const refused = await timedLogin(g.gw, m.address, m.password);
    expect(refused.r.line).toMatch(/^t NO \[LIMIT\] /);
  });
});

describe("no password in the clear", () => {
  const g = gateway({}, { failureDelayMs: 10, rateLimits: MANY });
  const tlsOpts = () => ({ ca: g.gw.tls.cert });

  it("advertises LOGINDISABLED and answers LOGIN and AUTHENTICATE with NO [PRIVACYREQUIRED]", async () => {
    const m = await seedMailbox(testContext());
    const c = await RawImap.connect(g.gw.ports.imap);
    expect(c.greeting).toMatch(/LOGINDISABLED/);
    expect(c.greeting).not.toMatch(/AUTH=PLAIN/);
    expect((await login(c, "a", m.address, m.password)).code).toBe("PRIVACYREQUIRED");
    const plain = Buffer.from(`\0${m.address}\0${m.password}`).toString("base64");
    expect((await c.command("b", `AUTHENTICATE PLAIN ${plain}`)).code).toBe("PRIVACYREQUIRED");
    // Not logged in.
    expect((await c.command("c", "SELECT INBOX")).status).toBe("BAD");
    c.close();
    // Over implicit TLS the same credentials work.
    const s = await RawImap.connect(g.gw.ports.imaps, { tls: tlsOpts() });
    expect(s.greeting).toMatch(/AUTH=PLAIN/);
    expect((await login(s, "d", m.address, m.password)).status).toBe("OK");
    s.close();
  });

  it("discards commands pipelined after STARTTLS in the clear (no injection across the handshake)", async () => {
    const m = await seedMailbox(testContext());
    const c = await RawImap.connect(g.gw.ports.imap);
    // One packet: STARTTLS, then a LOGIN that would succeed, then a command needing it.
    c.send(`a STARTTLS\r\nb LOGIN "${m.address}" "${m.password}"\r\nc SELECT INBOX\r\n`);
    expect(await c.readUntil(/^a [^\r]*\r\n/m)).toBe("a OK Begin TLS negotiation now\r\n");
    await c.startTls(tlsOpts());
    const caps = await c.command("d", "CAPABILITY");
    expect(caps.text).toMatch(/^\* CAPABILITY [^\r]*AUTH=PLAIN/);
    expect(caps.text).not.toMatch(/STARTTLS/);
    // Had b run after the handshake it would answer here, and SELECT would work.
    expect(caps.text).not.toMatch(/^[bc] /m);
    expect((await c.command("e", "SELECT INBOX")).line).toMatch(/^e BAD /);
    expect((await login(c, "f", m.address, m.password)).status).toBe("OK");
    c.close();
  });
});

describe("revoked devices", () => {
  const g = gateway(LOOPBACK, { failureDelayMs: 10, rateLimits: MANY });

  async function idling(m: SeededMailbox): Promise<RawImap> {
    const c = await RawImap.connect(g.gw.ports.imap);
    expect((await login(c, "a", m.address, m.password)).status).toBe("OK");
    expect((await c.command("b", "SELECT INBOX")).status).toBe("OK");
    c.send("c IDLE\r\n");
    await c.readUntil(/^\+ [^\r]*\r\n/m);
    return c;
  }

  it("ends the device's open sessions with BYE within 2 s and refuses its password afterwards", async () => {
    const m = await seedMailbox(testContext());
    const bystander = await seedMailbox(testContext());
    const [first, second] = [await idling(m), await idling(m)];
    const other = await idling(bystander);
    const started = Date.now();
    await revokeDevice(testContext(), { id: m.deviceId });
    for (const c of [first, second]) {
      expect(await c.readUntil(/\* BYE [^\r]*\r\n/, 2000)).toBe("* BYE This device's access was revoked\r\n");
      await c.closed;
    }
    expect(Date.now() - started).toBeLessThan(2000);
    // The credential cache does not let the revoked password back in.
    expect((await timedLogin(g.gw, m.address, m.password)).r.code).toBe("AUTHENTICATIONFAILED");
    // Another mailbox's IDLE is untouched.
    other.send("DONE\r\n");
    expect(await other.readUntil(/^c [^\r]*\r\n/m)).toBe("c OK IDLE terminated\r\n");
    other.close();
  });
});

describe("sign-ins in the audit log", () => {
  const g = gateway(LOOPBACK, { failureDelayMs: 10, rateLimits: MANY });

  it("records a device's first sign-in and a failed one on its mailbox, without flooding the log", async () => {
    const m = await seedMailbox(testContext());
    const events = () =>
      testPrisma().auditEvent.findMany({
        where: { tenantId: m.tenant.id, action: { in: ["device.login", "mailbox.login_failed"] } },
        orderBy: { id: "asc" },
      });
    for (let i = 0; i < 3; i++) expect((await timedLogin(g.gw, m.address, m.password)).r.status).toBe("OK");
    for (let i = 0; i < 3; i++) expect((await timedLogin(g.gw, m.address, "wrong")).r.status).toBe("NO");
    await eventually(async () => (await events()).length === 2, 5000, "two audit events");
    const [login, failed] = await events();
    expect(login).toMatchObject({
      actor: `device:${m.deviceId}`,
      target: m.deviceId,
      ip: "127.0.0.1",
      data: { protocol: "imap", first: true },
    });
    expect(failed).toMatchObject({
      actor: "system",
      target: m.mailboxId,
      data: { protocol: "imap", address: m.address },
    });
    expect(JSON.stringify([login.data, failed.data])).not.toContain("wrong");
    // The device timeline the portal shows has both.
    const { entries } = await deviceTimeline(testContext(), { tenantId: m.tenant.id, id: m.deviceId });
    expect(entries.map((e) => e.title)).toEqual(
      expect.arrayContaining(["Signed in", "A sign-in to this mailbox failed (wrong or old app password)"]),
    );
  });
});
