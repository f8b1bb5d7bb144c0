// Never an open relay, never a spoofed sender: every attempt a stolen
// phone, a spammer or a confused client makes is refused with the reply
// code and RFC 3463 enhanced status code a client can act on — and nothing
// refused reaches the outbox.
import { revokeDevice } from "@postern/db/provisioning";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import type { Gateway } from "../src/gateway.ts";
import {
  hostedSender,
  last,
  mail,
  outboxRows,
  type PhoneSpec,
  phone,
  type Reply,
  type Sender,
} from "./smtp-fixture.ts";

const HOURLY = 3;
let gw: Gateway;
const senders: Sender[] = [];
async function sender(opts: Parameters<typeof hostedSender>[0] = {}) {
  const s = await hostedSender(opts);
  senders.push(s);
  return s;
}

beforeAll(async () => {
  gw = await startTestGateway(
    {},
    {
      // Three failed logins per address, then 454; per IP high enough for the rest of this file.
      auth: { failureDelayMs: 10, rateLimits: { perAddress: 3, perIp: 1000, windowMs: 60_000 } },
      smtpLimits: { messagesPerDevicePerHour: HOURLY },
    },
  );
});
afterAll(async () => {
  await gw?.close();
  await testPrisma().outboundMessage.deleteMany({ where: { mailboxId: { in: senders.map((s) => s.mailboxId) } } });
});

/** A TLS session (implicit TLS) logged in as `s`, then `steps`. */
function session(s: Sender | null, steps: PhoneSpec["steps"], mode: PhoneSpec["mode"] = "tls"): Promise<Reply[]> {
  return phone({
    port: mode === "tls" ? gw.ports.smtps : gw.ports.smtp,
    mode,
    ca: gw.tls.cert,
    steps: [["ehlo"], ...(s ? ([["login", s.address, s.password]] as PhoneSpec["steps"]) : []), ...steps],
  });
}

const auth = (user: string, pass: string): ["cmd", string] => [
  "cmd",
  `AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString("base64")}`,
];

/** "553 5.7.1": the code and the enhanced code smtp-server put first in the text. */
const code = (r: Reply) => `${r[0]} ${r[1].split(" ")[0]}`;

describe("relay and spoofing attempts", () => {
  it("MAIL without AUTH, in the clear or over TLS: 530 5.7.0 — and no relaying to an outside domain", async () => {
    const clear = await phone({
      port: gw.ports.smtp,
      mode: "starttls",
      ca: gw.tls.cert,
      steps: [["ehlo"], ["mail", "someone@outside.example"], ["rcpt", "victim@elsewhere.example"], ["cmd", "DATA"]],
    });
    expect(clear.slice(1).map(code)).toEqual(["530 5.7.0", "530 5.7.0", "530 5.7.0"]);
    const tls = await phone({
      port: gw.ports.smtp,
      mode: "starttls",
      ca: gw.tls.cert,
      steps: [
        ["ehlo"],
        ["starttls"],
        ["ehlo"],
        ["mail", "someone@outside.example"],
        ["rcpt", "victim@elsewhere.example"],
      ],
    });
    expect(tls.slice(3).map(code)).toEqual(["530 5.7.0", "530 5.7.0"]);
  });

  it("AUTH before STARTTLS: 530 5.7.0 Must issue a STARTTLS command first", async () => {
    const alice = await sender();
    const r = await phone({
      port: gw.ports.smtp,
      mode: "starttls",
      ca: gw.tls.cert,
      steps: [["ehlo"], auth(alice.address, alice.password)],
    });
    expect(code(r[1])).toBe("530 5.7.0");
    expect(r[1][1]).toContain("STARTTLS");
  });

  it("a wrong app password or a revoked device: 535 5.7.8; repeated failures: 454 4.7.0; three on one connection: 421", async () => {
    // One AUTH PLAIN per attempt (smtplib's login() would try LOGIN after PLAIN: two failures each).
    const alice = await sender();
    const wrong = await session(null, [auth(alice.address, "nope-nope-nope-nope")]);
    expect(code(last(wrong))).toBe("535 5.7.8");

    const bob = await sender();
    await revokeDevice(testContext(), { id: bob.deviceId });
    const revoked = await session(null, [auth(bob.address, bob.password)]);
    expect(code(last(revoked))).toBe("535 5.7.8");

    // Three failures for the address in the window (one above, two here): the right password is refused too.
    const again = await session(null, [
      auth(alice.address, "nope-nope-nope-nope"),
      auth(alice.address, "nope-nope-nope-nope"),
      auth(alice.address, alice.password),
    ]);
    expect(again.slice(1).map(code)).toEqual(["535 5.7.8", "535 5.7.8", "454 4.7.0"]);

    const carol = await sender();
    const burst = await session(null, [
      auth(carol.address, "x"),
      auth(carol.address, "y"),
      auth(carol.address, "z"),
      ["ehlo"],
    ]);
    expect(burst.slice(1, 4).map(code)).toEqual(["535 5.7.8", "535 5.7.8", "421 4.7.0"]);
    expect(last(burst)[0]).toBe(0); // disconnected
  });

  it("an envelope sender the mailbox does not own: 553 5.7.1; its own address or an alias, in any case: 250", async () => {
    const alice = await sender({ aliases: ["sales@DOMAIN"] });
    const r = await session(alice, [
      ["mail", "ceo@bank.example"],
      ["cmd", "RSET"],
      ["mail", ""],
      ["cmd", "RSET"],
      ["mail", `SALES@${alice.domain.toUpperCase()}`],
      ["cmd", "RSET"],
      ["mail", alice.address.toUpperCase()],
    ]);
    expect(code(r[2])).toBe("553 5.7.1");
    expect(code(r[4])).toBe("553 5.7.1");
    expect(r[6][0]).toBe(250);
    expect(r[8][0]).toBe(250);
  });

  it("a From: or Sender: header the mailbox does not own: 553 5.7.1; none at all: 550 5.6.0", async () => {
    const alice = await sender({ aliases: ["sales@DOMAIN"] });
    const send = (body: string) =>
      session(alice, [
        ["mail", alice.address],
        ["rcpt", "bob@elsewhere.example"],
        ["data", body],
      ]);
    const to = "bob@elsewhere.example";
    const cases: Array<[string, string]> = [
      [mail({ from: "The CEO <ceo@bank.example>", to }), "553 5.7.1"],
      [mail({ from: `Alice <${alice.address}>, ceo@bank.example`, to }), "553 5.7.1"],
      [mail({ from: alice.address, sender: "ceo@bank.example", to }), "553 5.7.1"],
      [mail({ from: "undisclosed-senders:;", to }), "550 5.6.0"],
      [mail({ from: "", to }).replace(/^From: \r\n/, ""), "550 5.6.0"],
      [mail({ from: `"Sales" <sales@${alice.domain}>`, to }), "250 2.0.0"],
    ];
    for (const [body, expected] of cases) expect(code(last(await send(body))), body.split("\r\n")[0]).toBe(expected);
    expect(await outboxRows(alice.mailboxId)).toHaveLength(1);
  });

  it("recipient flood: the 101st RCPT gets 452 4.5.3 (RFC 5321 §4.5.3.1.10)", async () => {
    const alice = await sender();
    const rcpts = Array.from({ length: 101 }, (_, i) => ["rcpt", `r${i}@elsewhere.example`] as ["rcpt", string]);
    const r = await session(alice, [["mail", alice.address], ...rcpts]);
    const replies = r.slice(3);
    expect(replies.slice(0, 100).every((x) => x[0] === 250)).toBe(true);
    expect(code(replies[100])).toBe("452 4.5.3");
  });

  it("oversize: SIZE= above the limit and a message above it both get 552 5.3.4", async () => {
    const alice = await sender({ options: { maxMessageBytes: 50_000 } });
    const big = mail({ from: alice.address, to: "bob@elsewhere.example", body: `${"x".repeat(76)}\r\n`.repeat(1000) });
    const r = await session(alice, [
      ["mail", alice.address, ["SIZE=60000"]],
      ["cmd", "RSET"],
      ["mail", alice.address],
      ["rcpt", "bob@elsewhere.example"],
      ["data", big],
    ]);
    expect(code(r[2])).toBe("552 5.3.4");
    expect(code(last(r))).toBe("552 5.3.4");
    expect(last(r)[1]).toContain("50000");
    expect(await outboxRows(alice.mailboxId)).toHaveLength(0);
  });

  it(`a device past ${HOURLY} messages in an hour: 450 4.7.1 (temporary: the phone keeps it and retries)`, async () => {
    const alice = await sender();
    const one = (n: number) =>
      [
        ["mail", alice.address],
        ["rcpt", "bob@elsewhere.example"],
        ["data", mail({ from: alice.address, to: "bob@elsewhere.example", subject: `n${n}` })],
      ] as PhoneSpec["steps"];
    const r = await session(alice, [...one(1), ...one(2), ...one(3), ["mail", alice.address]]);
    expect(r.filter((x) => x[1].startsWith("2.0.0 Ok: queued as"))).toHaveLength(HOURLY);
    expect(code(last(r))).toBe("450 4.7.1");
    expect(last(r)[1]).toContain("last hour");
  });

  it("refused transactions leave nothing in the outbox; refusals are counted by reason", async () => {
    const metrics = await gw.metrics.registry.getSingleMetricAsString("postern_smtp_submissions_total");
    for (const reason of [
      "sender_not_owned",
      "from_not_owned",
      "from_missing",
      "too_many_recipients",
      "message_too_big",
      "device_hourly_limit",
      "auth_invalid",
      "auth_rate_limited",
    ])
      expect(metrics).toContain(`reason="${reason}"`);
    const rows = await testPrisma().outboundMessage.count({
      where: { mailboxId: { in: senders.map((s) => s.mailboxId) } },
    });
    // Only the accepted ones: one alias From:, three before the hourly limit.
    expect(rows).toBe(1 + HOURLY);
  });
});
