// The pure parts of submission and the outbox, on wire strings: what a
// message becomes (Bcc, trace, added fields), what a relay's answer means
// for each recipient and the message, the bounce's MIME structure, backoff.
import { analyzeMessage, headerValues } from "@postern/protocol";
import { describe, expect, it } from "vitest";
import { buildBounce } from "../src/outbox/dsn.ts";
import { decide, pendingRecipients, recipientResults, statusOf } from "../src/outbox/outcome.ts";
import type { LeasedMessage } from "../src/outbox/queue.ts";
import type { SendResult } from "../src/outbox/relay.ts";
import { backoffMs, DEFAULT_SCHEDULE } from "../src/outbox/schedule.ts";
import { messageLimitFor, SMTP_LIMITS } from "../src/smtp/limits.ts";
import { prepareMessage } from "../src/smtp/message.ts";

const trace = {
  helo: "phone.example",
  clientIp: "192.0.2.7",
  host: "mail.postern.test",
  protocol: "ESMTPSA",
  id: "0f0e0d0c-0000-4000-8000-000000000001",
  now: new Date("2026-11-26T10:00:00Z"),
};
const crlf = (lines: string[]) => Buffer.from(lines.join("\r\n"));

describe("prepareMessage", () => {
  it("removes every Bcc and Resent-Bcc field, folded lines included, from the relayed copy only", () => {
    const raw = crlf([
      "From: a@x.example",
      "To: b@y.example",
      "Bcc: c@z.example,",
      "  d@z.example",
      "Subject: s",
      "Resent-Bcc: e@z.example",
      "BCC: f@z.example",
      "Date: Thu, 26 Nov 2026 10:00:00 +0000",
      "Message-ID: <m@x.example>",
      "",
      "Bcc: this line is body",
      "",
    ]);
    const m = prepareMessage(raw, trace);
    const relayed = m.relayed.toString();
    expect(relayed).toBe(
      [
        "Received: from phone.example ([192.0.2.7])",
        "\tby mail.postern.test (Postern) with ESMTPSA id 0f0e0d0c-0000-4000-8000-000000000001;",
        "\tThu, 26 Nov 2026 10:00:00 +0000",
        "From: a@x.example",
        "To: b@y.example",
        "Subject: s",
        "Date: Thu, 26 Nov 2026 10:00:00 +0000",
        "Message-ID: <m@x.example>",
        "",
        "Bcc: this line is body",
        "",
      ].join("\r\n"),
    );
    expect(m.original.equals(raw)).toBe(true);
    expect(m.messageId).toBe("<m@x.example>");
    expect(m.from).toEqual(["a@x.example"]);
  });

  it("reads From: and Sender: addresses through comments, quotes and groups; a group without members gives none", () => {
    const m = prepareMessage(
      crlf([
        'From: "Doe, Jane" <Jane@X.example> (work), team: b@y.example, c@y.example;',
        "Sender: s@x.example",
        "",
        "",
      ]),
      trace,
    );
    expect(m.from).toEqual(["jane@x.example", "b@y.example", "c@y.example"]);
    expect(m.sender).toEqual(["s@x.example"]);
    expect(prepareMessage(crlf(["From: undisclosed:;", "", ""]), trace).from).toEqual([]);
    expect(prepareMessage(crlf(["To: b@y.example", "", ""]), trace).from).toEqual([]);
    expect(prepareMessage(crlf(["From: alice", "", ""]), trace).from).toEqual(["alice@missing_domain"]);
  });

  it("adds Date and Message-ID at the end of the header, also to a message that is all header", () => {
    const m = prepareMessage(Buffer.from("From: a@x.example\r\nSubject: s"), trace);
    const text = m.original.toString();
    expect(text).toMatch(
      /^From: a@x\.example\r\nSubject: s\r\nDate: Thu, 26 Nov 2026 10:00:00 \+0000\r\nMessage-ID: <[0-9a-f-]{36}@mail\.postern\.test>\r\n\r\n$/,
    );
    expect(headerValues(m.original, "message-id")[0]).toBe(m.messageId);
    const body = prepareMessage(Buffer.from("\r\nbody only\r\n"), trace).original.toString();
    expect(body).toMatch(/^Date: .*\r\nMessage-ID: .*\r\n\r\nbody only\r\n$/);
  });
});

function leased(over: Partial<LeasedMessage> = {}): LeasedMessage {
  return {
    id: "m1",
    mailboxId: "mb",
    envelopeFrom: "a@x.example",
    recipients: ["b@y.example", "c@y.example"],
    blobId: "blob",
    size: 1,
    attempts: 1,
    recipientStatus: {},
    retryUntil: new Date("2026-12-01T00:00:00Z"),
    createdAt: new Date("2026-11-26T00:00:00Z"),
    ...over,
  };
}
const now = new Date("2026-11-26T10:00:00Z");
const schedule = { backoffBaseMs: 30_000, backoffMaxMs: 3_600_000 };

describe("outcome of an attempt", () => {
  it("accepted by the relay: sent", () => {
    const result: SendResult = { ok: true, response: "250 2.0.0 Ok: queued as ABC", rejected: [] };
    const fresh = recipientResults(["b@y.example", "c@y.example"], result, now);
    const rec = decide(leased(), fresh, result, schedule, now);
    expect(rec).toMatchObject({
      state: "sent",
      nextAttemptAt: null,
      bounceOwed: false,
      relayResponse: result.response,
    });
    expect(fresh["b@y.example"]).toMatchObject({ state: "sent", status: "2.0.0" });
  });

  it("one recipient refused for good, one deferred, one accepted: queued for the deferred, a bounce for the refused", () => {
    const result: SendResult = {
      ok: true,
      response: "250 2.0.0 Ok",
      rejected: [
        { recipient: "B@y.example", code: 550, reply: "550 5.1.1 <b@y.example>: no such user" },
        { recipient: "c@y.example", code: 450, reply: "450 4.2.0 <c@y.example>: greylisted" },
      ],
    };
    const msg = leased({ recipients: ["b@y.example", "c@y.example", "d@y.example"] });
    const fresh = recipientResults(msg.recipients, result, now);
    const rec = decide(msg, fresh, result, schedule, now);
    expect(fresh).toMatchObject({
      "b@y.example": { state: "failed", status: "5.1.1" },
      "c@y.example": { state: "deferred", status: "4.2.0" },
      "d@y.example": { state: "sent" },
    });
    expect(rec.state).toBe("queued");
    expect(rec.bounceOwed).toBe(true);
    expect(rec.nextAttemptAt?.getTime()).toBe(now.getTime() + 30_000);
    // The next attempt goes only to c.
    expect(pendingRecipients({ recipients: msg.recipients, recipientStatus: fresh })).toEqual(["c@y.example"]);
  });

  it("no connection: deferred with 4.4.1, backing off; after the retry period: failed as expired (5.4.7)", () => {
    const down: SendResult = {
      ok: false,
      stage: "connection",
      code: null,
      reply: "connect ECONNREFUSED",
      rejected: [],
    };
    const fresh = recipientResults(["b@y.example"], down, now);
    expect(fresh["b@y.example"]).toMatchObject({ state: "deferred", status: "4.4.1" });
    const third = decide(leased({ recipients: ["b@y.example"], attempts: 3 }), fresh, down, schedule, now);
    expect(third.nextAttemptAt?.getTime()).toBe(now.getTime() + 120_000);
    // Never later than the end of the retry period: the last attempt falls on it.
    const nearEnd = decide(
      leased({ recipients: ["b@y.example"], attempts: 9, retryUntil: new Date(now.getTime() + 5000) }),
      { ...fresh },
      down,
      schedule,
      now,
    );
    expect(nearEnd.nextAttemptAt?.getTime()).toBe(now.getTime() + 5000);
    const expiredFresh = { ...fresh };
    const gaveUp = decide(leased({ recipients: ["b@y.example"], retryUntil: now }), expiredFresh, down, schedule, now);
    expect(gaveUp).toMatchObject({ state: "failed", bounceOwed: true, nextAttemptAt: null });
    expect(expiredFresh["b@y.example"]).toMatchObject({
      state: "failed",
      status: "5.4.7",
      reply: "connect ECONNREFUSED",
    });
  });

  it("DATA refused: 5xx fails every recipient (bounced), 4xx defers them; a login refused at the relay is temporary", () => {
    const perm: SendResult = { ok: false, stage: "message", code: 554, reply: "554 5.6.0 rejected", rejected: [] };
    expect(
      decide(leased(), recipientResults(["b@y.example", "c@y.example"], perm, now), perm, schedule, now).state,
    ).toBe("bounced");
    const temp: SendResult = { ok: false, stage: "message", code: 451, reply: "451 4.3.0 try later", rejected: [] };
    expect(
      decide(leased(), recipientResults(["b@y.example", "c@y.example"], temp, now), temp, schedule, now).state,
    ).toBe("queued");
    const auth: SendResult = {
      ok: false,
      stage: "connection",
      code: 535,
      reply: "the relay refused the login: 535 5.7.8 Error: authentication failed",
      rejected: [],
    };
    expect(recipientResults(["b@y.example"], auth, now)["b@y.example"]).toMatchObject({ state: "deferred" });
  });

  it("status codes: the reply's enhanced code, or the class of its reply code", () => {
    expect(statusOf("550 5.7.1 denied", 550, 5)).toBe("5.7.1");
    expect(statusOf("550-5.1.1 multi\n550 5.1.1 line", 550, 5)).toBe("5.1.1");
    expect(statusOf("550 denied", 550, 5)).toBe("5.0.0");
    expect(statusOf("timeout", null, 4)).toBe("4.0.0");
  });
});

describe("the bounce", () => {
  it("is multipart/report; report-type=delivery-status with the three parts RFC 3464 names", () => {
    const dsn = buildBounce({
      host: "mail.postern.test",
      queueId: "q1",
      to: "a@x.example",
      arrival: now,
      subject: "=?utf-8?q?Caf=C3=A9?=",
      originalMessageId: "<m@x.example>",
      originalHeader: Buffer.from("From: a@x.example\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\n\r\n"),
      recipients: [
        {
          recipient: "b@y.example",
          status: "5.1.1",
          reply: "550-5.1.1 no\r\n550 5.1.1 such user",
          remoteMta: "relay.example",
          lastAttempt: now,
        },
      ],
      expired: false,
      now,
    });
    const a = analyzeMessage(dsn);
    expect(a.envelope.subject).toBe("Undelivered Mail: =?utf-8?q?Caf=C3=A9?=");
    const bs = a.bodyStructure;
    if (bs.kind !== "multipart") throw new Error(`not multipart: ${bs.kind}`);
    expect(bs.subtype.toLowerCase()).toBe("report");
    expect(bs.params).toEqual(expect.arrayContaining([expect.objectContaining({ value: "delivery-status" })]));
    expect(
      bs.parts.map((p) => (p.kind === "multipart" ? "multipart" : `${p.type}/${p.subtype}`.toLowerCase())),
    ).toEqual(["text/plain", "message/delivery-status", "text/rfc822-headers"]);
    const text = dsn.toString("utf8");
    expect(text).toContain("In-Reply-To: <m@x.example>");
    expect(text).toContain("Auto-Submitted: auto-replied");
    expect(text).toContain("Content-Type: message/delivery-status");
    expect(text).toContain(
      "Reporting-MTA: dns; mail.postern.test\r\nX-Postern-Queue-ID: q1\r\nArrival-Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nFinal-Recipient: rfc822; b@y.example\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; relay.example\r\nDiagnostic-Code: smtp; 550-5.1.1 no 550 5.1.1 such user\r\n",
    );
    expect(text).toMatch(
      /Content-Type: text\/rfc822-headers\r\nContent-Description: .*\r\n\r\nFrom: a@x\.example\r\nSubject: =\?utf-8\?q\?Caf=C3=A9\?=\r\n\r\n--postern-dsn-[0-9a-f-]+--\r\n$/,
    );
  });
});

describe("schedule and limits", () => {
  it("backs off 30 s, doubling, capped at an hour; retries for 5 days", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(DEFAULT_SCHEDULE, n))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffMs(DEFAULT_SCHEDULE, 50)).toBe(3_600_000);
    expect(DEFAULT_SCHEDULE.retryPeriodMs).toBe(5 * 24 * 3600 * 1000);
  });

  it("a backend may lower the message size limit, never raise it past what EHLO advertised", () => {
    expect(messageLimitFor(SMTP_LIMITS, {})).toBe(25 * 1024 * 1024);
    expect(messageLimitFor(SMTP_LIMITS, { maxMessageBytes: 1000 })).toBe(1000);
    expect(messageLimitFor(SMTP_LIMITS, { maxMessageBytes: 10 ** 12 })).toBe(SMTP_LIMITS.maxMessageBytes);
    expect(messageLimitFor(SMTP_LIMITS, { maxMessageBytes: "x" })).toBe(SMTP_LIMITS.maxMessageBytes);
  });
});
