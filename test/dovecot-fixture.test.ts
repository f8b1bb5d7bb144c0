// The private-Dovecot fixture (test/helpers/dovecot.ts), proved with clients
// nobody here wrote: Python's imaplib and poplib, and imapflow.
import { existsSync } from "node:fs";
import net from "node:net";
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dovecot, startDovecot } from "./helpers/dovecot.ts";
import { python } from "./helpers/python.ts";

const ALICE = { user: "alice@example.test", password: "alice-secret" };
const BOB = { user: "bob", password: "bob-secret" };

let dc: Dovecot;
beforeAll(async () => {
  dc = await startDovecot({ users: [ALICE, BOB] });
});
afterAll(() => dc?.stop());

/** A message with a subject no other test uses. */
function message(subject: string): string {
  return [
    "From: Sender <sender@example.test>",
    "To: someone@example.test",
    `Subject: ${subject}`,
    "Date: Thu, 26 Nov 2026 10:00:00 +0000",
    `Message-ID: <${subject.replace(/\W/g, "")}@example.test>`,
    "",
    "Hello.",
    ".A line starting with a dot survives delivery.",
    "",
  ].join("\n");
}

describe("Dovecot fixture", () => {
  it("lets each user log in over IMAP in the clear, with STARTTLS and with implicit TLS", async () => {
    const out = await python(
      `
import imaplib, ssl, sys
port, tls_port, cafile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
for user, pw in zip(sys.argv[4::2], sys.argv[5::2]):
    m = imaplib.IMAP4("127.0.0.1", port)
    print("plain", user, m.login(user, pw)[0])
    print("caps", m.capability()[1][0].decode())
    m.logout()
    m = imaplib.IMAP4("127.0.0.1", port)
    m.starttls(ssl_context=ctx)
    print("starttls", user, m.login(user, pw)[0])
    m.logout()
    m = imaplib.IMAP4_SSL("127.0.0.1", tls_port, ssl_context=ctx)
    print("tls", user, m.login(user, pw)[0])
    m.logout()
m = imaplib.IMAP4("127.0.0.1", port)
try:
    m.login(sys.argv[4], "wrong")
except imaplib.IMAP4.error as e:
    print("wrong password refused")
`,
      [dc.imapPort, dc.imapsPort!, dc.certPath, ALICE.user, ALICE.password, BOB.user, BOB.password],
    );
    for (const u of [ALICE.user, BOB.user]) {
      expect(out).toContain(`plain ${u} OK`);
      expect(out).toContain(`starttls ${u} OK`);
      expect(out).toContain(`tls ${u} OK`);
    }
    expect(out).toMatch(/^caps .*\bIDLE\b.*/m);
    expect(out).toMatch(/^caps .*\bCONDSTORE\b/m);
    expect(out).toMatch(/^caps .*\bQRESYNC\b/m);
    expect(out).toContain("wrong password refused");
  });

  it("lets each user log in over POP3, in the clear and with implicit TLS", async () => {
    const out = await python(
      `
import poplib, ssl, sys
port, tls_port, cafile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
for user, pw in zip(sys.argv[4::2], sys.argv[5::2]):
    p = poplib.POP3("127.0.0.1", port)
    p.user(user)
    print("plain", user, p.pass_(pw).decode())
    p.quit()
    p = poplib.POP3_SSL("127.0.0.1", tls_port, context=ctx)
    p.user(user)
    print("tls", user, p.pass_(pw).decode())
    p.quit()
`,
      [dc.pop3Port, dc.pop3sPort!, dc.certPath, ALICE.user, ALICE.password, BOB.user, BOB.password],
    );
    for (const u of [ALICE.user, BOB.user]) {
      expect(out).toMatch(new RegExp(`^plain ${u} \\+OK`, "m"));
      expect(out).toMatch(new RegExp(`^tls ${u} \\+OK`, "m"));
    }
  });

  it("deliver() makes a message visible to IMAP and POP3", async () => {
    await dc.deliver(ALICE.user, message("Delivered to Alice"));
    const out = await python(
      `
import imaplib, poplib, sys
imap_port, pop3_port, user, pw = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
m = imaplib.IMAP4("127.0.0.1", imap_port)
m.login(user, pw)
m.select("INBOX", readonly=True)
typ, ids = m.search(None, "SUBJECT", '"Delivered to Alice"')
print("imap found", len(ids[0].split()))
typ, data = m.fetch(ids[0].split()[0], "(BODY.PEEK[TEXT])")
print("imap body", data[0][1].decode().replace("\\r\\n", "|"))
m.logout()
p = poplib.POP3("127.0.0.1", pop3_port)
p.user(user)
p.pass_(pw)
count = p.stat()[0]
subjects = [l.decode() for i in range(1, count + 1) for l in p.top(i, 0)[1] if l.startswith(b"Subject:")]
print("pop3", subjects)
p.quit()
`,
      [dc.imapPort, dc.pop3Port, ALICE.user, ALICE.password],
    );
    expect(out).toContain("imap found 1");
    expect(out).toContain("imap body Hello.|.A line starting with a dot survives delivery.|");
    expect(out).toContain("'Subject: Delivered to Alice'");
  });

  it("deliver() files into a nested folder with flags, separated by /", async () => {
    await dc.deliver(BOB.user, message("Filed for Bob"), {
      folder: "Work/Projects",
      flags: "\\Seen \\Flagged $Urgent",
    });
    const out = await python(
      `
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
print("list", [l.decode() for l in m.list()[1]])
m.select("Work/Projects", readonly=True)
typ, data = m.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
print("fetch", data[0][0].decode(), data[0][1].decode().strip())
m.logout()
`,
      [dc.imapPort, BOB.user, BOB.password],
    );
    expect(out).toContain('"/" Work/Projects');
    expect(out).toMatch(/^fetch .*FLAGS \([^)]*\\Seen/m);
    expect(out).toMatch(/^fetch .*FLAGS \([^)]*\\Flagged/m);
    expect(out).toMatch(/^fetch .*FLAGS \([^)]*\$Urgent/m);
    expect(out).toContain("Subject: Filed for Bob");
  });

  it("an IDLE-ing imapflow client sees EXISTS within 1 s of deliver()", async () => {
    let idling: () => void = () => {};
    const idleStarted = new Promise<void>((resolve) => (idling = resolve));
    const quiet = () => {};
    const client = new ImapFlow({
      host: dc.host,
      port: dc.imapPort,
      secure: false,
      doSTARTTLS: false,
      auth: { user: BOB.user, pass: BOB.password },
      disableAutoIdle: true,
      // imapflow has no "IDLE accepted" event; its debug log line is the signal.
      logger: {
        debug: (o: { msg?: string }) => o.msg?.startsWith("Initiated IDLE") && idling(),
        info: quiet,
        warn: quiet,
        error: quiet,
      },
    });
    await client.connect();
    try {
      // mailboxOpen's result is live (imapflow updates it): copy the count.
      const before = (await client.mailboxOpen("INBOX")).exists;
      const seen = new Promise<{ count: number; at: number }>((resolve) =>
        client.on("exists", (e: { count: number }) => resolve({ count: e.count, at: performance.now() })),
      );
      void client.idle();
      await idleStarted;
      const sent = performance.now();
      await dc.deliver(BOB.user, message("While Bob idles"));
      const deadline = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("no EXISTS within 1 s of deliver()")), 1000).unref(),
      );
      const exists = await Promise.race([seen, deadline]);
      expect(exists.count).toBe(before + 1);
      expect(exists.at - sent).toBeLessThan(1000);
    } finally {
      await client.logout();
    }
  });

  it("stop() ends the server and removes its directory", async () => {
    const other = await startDovecot({ pop3: false, lmtp: false });
    expect(other.pop3Port).toBe(0);
    await other.stop();
    expect(existsSync(other.baseDir)).toBe(false);
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(other.imapPort, "127.0.0.1");
      s.once("connect", () => resolve(s.destroy() && false));
      s.once("error", () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
