// The gateway's listeners, driven by real clients: Python's imaplib and
// smtplib, TLS from Node, HTTP from fetch.
import net from "node:net";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { python } from "../../../test/helpers/python.ts";

let gw: Awaited<ReturnType<typeof startTestGateway>>;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw?.close());

/** Send raw lines and collect the reply until `until` matches. */
function rawImap(port: number, lines: string[], until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let data = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`timeout; got: ${data}`));
    }, 5000);
    sock.on("data", (d) => {
      data += d.toString("latin1");
      if (until.test(data)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(data);
      }
    });
    sock.once("data", () => sock.write(lines.map((l) => `${l}\r\n`).join("")));
    sock.on("error", reject);
  });
}

describe("IMAP listener", () => {
  it("greets with capabilities, refuses plaintext login before TLS, and logs out", async () => {
    const out = await rawImap(gw.ports.imap, ["a CAPABILITY", "b NOOP", "c LOGOUT"], /c OK/);
    expect(out).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 [^\]]*STARTTLS[^\]]*LOGINDISABLED[^\]]*\] Postern ready\r\n/);
    expect(out).toContain("a OK CAPABILITY completed");
    expect(out).toContain("b OK NOOP completed");
    expect(out).toContain("* BYE Logging out");
    expect(out).not.toContain("AUTH=PLAIN");
  });

  it("answers garbage with BAD and keeps the session", async () => {
    const out = await rawImap(gw.ports.imap, ["a FROBNICATE", 'b LOGIN "unterminated', "\x01\x02", "c NOOP"], /c OK/);
    expect(out).toContain("a BAD Unknown command");
    expect(out).toContain("b BAD Syntax error: unterminated quoted string");
    expect(out).toContain("c OK NOOP completed");
  });

  it("says BYE after too many bad commands", async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `x${i} BOGUS`);
    const out = await rawImap(gw.ports.imap, lines, /\* BYE/);
    expect(out).toContain("* BYE Too many invalid commands");
  });

  it("upgrades with STARTTLS for Python imaplib, which then sees AUTH=PLAIN", async () => {
    const out = await python(
      `
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
before = m.capabilities
m.starttls(ssl_context=ctx)
typ, caps = m.capability()
print("before", " ".join(before))
print("after", caps[0].decode())
m.logout()
`,
      [gw.ports.imap, gw.tls.certPath],
    );
    expect(out).toMatch(/^before .*LOGINDISABLED/m);
    expect(out).toMatch(/^after .*AUTH=PLAIN/m);
    expect(out).not.toMatch(/^after .*STARTTLS/m);
  });

  it("serves implicit TLS with a certificate naming the public host, localhost and 127.0.0.1", async () => {
    const { greeting, cert } = await new Promise<{ greeting: string; cert: tls.PeerCertificate }>((resolve, reject) => {
      const s = tls.connect(
        { port: gw.ports.imaps, host: "127.0.0.1", ca: gw.tls.cert, servername: "localhost" },
        () => {
          const cert = s.getPeerCertificate();
          s.once("data", (d) => {
            s.destroy();
            resolve({ greeting: d.toString(), cert });
          });
        },
      );
      s.on("error", reject);
    });
    expect(greeting).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 .*AUTH=PLAIN/);
    expect(greeting).not.toContain("STARTTLS");
    expect(cert.subjectaltname).toContain("DNS:mail.postern.test");
    expect(cert.subjectaltname).toContain("DNS:localhost");
    expect(cert.subjectaltname).toContain("IP Address:127.0.0.1");
  });
});

describe("SMTP listeners", () => {
  it("greets with 220 and answers EHLO and QUIT (smtplib, STARTTLS and implicit TLS)", async () => {
    const out = await python(
      `
import smtplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[3])
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="phone.test")
print("greeting-ok", s.ehlo()[0])
print("has-starttls", s.has_extn("starttls"))
s.starttls(context=ctx)
s.ehlo()
print("auth-after-tls", s.has_extn("auth"))
s.quit()
t = smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[2]), context=ctx, local_hostname="phone.test")
print("smtps", t.ehlo()[0])
t.quit()
`,
      [gw.ports.smtp, gw.ports.smtps, gw.tls.certPath],
    );
    expect(out).toContain("greeting-ok 250");
    expect(out).toContain("has-starttls True");
    expect(out).toContain("auth-after-tls True");
    expect(out).toContain("smtps 250");
  });
});

describe("HTTP port", () => {
  it("serves /healthz, /readyz and Prometheus /metrics", async () => {
    const base = `http://127.0.0.1:${gw.ports.http}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as {
      ready: boolean;
      checks: Record<string, { ok: boolean }>;
      listeners: Record<string, number>;
    };
    expect(body.ready).toBe(true);
    expect(body.checks.database.ok).toBe(true);
    expect(body.listeners.imap).toBe(gw.ports.imap);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/postern_connections_total\{protocol="imap",listener="imap"\} \d+/);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
