// Python's imaplib (a client nobody here wrote) acts as a phone against a
// real gateway, over STARTTLS and over implicit TLS.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { seedMailbox } from "@postern/db/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow, message } from "../../../test/helpers/imap.ts";
import { eventually } from "../../../test/helpers/ports.ts";
import { python } from "../../../test/helpers/python.ts";

let gw: Awaited<ReturnType<typeof startTestGateway>>;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw?.close());

type Mode = "starttls" | "imaps";

// Connects, logs in and offers helpers; the snippet after it prints JSON.
const PRELUDE = String.raw`
import base64, datetime, imaplib, json, re, ssl, sys, time
mode, port, cert, user, pw = sys.argv[1:6]
args = sys.argv[6:]
ctx = ssl.create_default_context(cafile=cert)
def connect():
    if mode == "imaps":
        return imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx)
    c = imaplib.IMAP4("127.0.0.1", int(port))
    c.starttls(ssl_context=ctx)
    return c
M = connect()
M.login(user, pw)
def s(b): return b.decode("latin-1") if isinstance(b, bytes) else b
def flat(data): return [s(x) if not isinstance(x, tuple) else [s(y) for y in x] for x in data if x is not None]
def msg(i): return base64.b64decode(args[i])
def when(iso): return datetime.datetime.fromisoformat(iso)
def ok(r):
    assert r[0] == "OK", r
    return r[1]
def sexp(b):
    tok = re.compile(rb'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|\{(\d+)\}\r\n|([^\s()"]+))')
    pos = 0
    def parse():
        nonlocal pos
        out = []
        while True:
            m = tok.match(b, pos)
            if not m: return out
            pos = m.end()
            if m.group(1): out.append(parse())
            elif m.group(2): return out
            elif m.group(3) is not None: out.append(re.sub(rb'\\(.)', rb'\1', m.group(3)).decode())
            elif m.group(4): n = int(m.group(4)); out.append(b[pos:pos + n].decode()); pos += n
            else:
                a = m.group(5).decode()
                out.append(None if a.upper() == "NIL" else a)
    return parse()
def out(**kw): print(json.dumps(kw))
`;

async function py(mode: Mode, acct: { address: string; password: string }, code: string, args: string[] = []) {
  const port = mode === "imaps" ? gw.ports.imaps : gw.ports.imap;
  const stdout = await python(PRELUDE + code, [mode, port, gw.tls.certPath, acct.address, acct.password, ...args]);
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "null");
}

const b64 = (b: Buffer) => b.toString("base64");

/** imaplib(mode, acct, args)`python` runs the snippet after PRELUDE and returns what it printed with out(). */
const imaplib =
  (mode: Mode, acct: { address: string; password: string }, args: string[] = []) =>
  (code: TemplateStringsArray, ...values: unknown[]) =>
    py(mode, acct, String.raw(code, ...values), args);

/** multipart/mixed( multipart/alternative(text/plain, text/html), application/pdf attachment ) */
const RICH = Buffer.from(
  `From: Alice <alice@example.net>
To: Bob <bob@example.net>
Subject: Report attached
Date: Fri, 20 Nov 2026 10:00:00 +0000
Message-ID: <rich@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hier ist der Bericht f=C3=BCr dich.
--inner
Content-Type: text/html; charset=utf-8

<p>Hier ist der Bericht.</p>
--inner--

--outer
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQgZmFrZSByZXBvcnQK
--outer--
`.replace(/\n/g, "\r\n"),
);

describe.each<Mode>(["starttls", "imaps"])("imaplib over %s", (mode) => {
  it("lists special-use folders and shows \\HasChildren after CREATE Projects/2026", async () => {
    const acct = await seedMailbox(testContext());
    const r = await imaplib(mode, acct)`
before = flat(ok(M.list('""', '"*"')))
created = ok(M.create("Projects/2026"))
after = flat(ok(M.list('""', '"*"')))
out(before=before, after=after)
`;
    const attrs = (lines: string[]) =>
      Object.fromEntries(
        lines.map((l) => {
          const m = /^\(([^)]*)\) "(.)" "?([^"]*)"?$/.exec(l);
          if (!m) throw new Error(`unexpected LIST line ${l}`);
          expect(m[2]).toBe("/");
          return [m[3], m[1].split(" ").filter(Boolean)];
        }),
      );
    const before = attrs(r.before);
    const special = ["Sent", "Drafts", "Trash", "Junk", "Archive"];
    const uses: Record<string, string[]> = { INBOX: [], ...Object.fromEntries(special.map((n) => [n, [`\\${n}`]])) };
    expect(Object.keys(before).sort()).toEqual(Object.keys(uses).sort());
    for (const [name, use] of Object.entries(uses))
      expect(before[name], name).toEqual(expect.arrayContaining(["\\HasNoChildren", ...use]));
    const after = attrs(r.after);
    expect(after.Projects).toContain("\\HasChildren");
    expect(after.Projects).not.toContain("\\HasNoChildren");
    expect(after["Projects/2026"]).toContain("\\HasNoChildren");
  });

  it("SELECT reports EXISTS, UIDVALIDITY, UIDNEXT, PERMANENTFLAGS; APPEND answers APPENDUID", async () => {
    const acct = await seedMailbox(testContext());
    const msgs = [message({ subject: "one" }), message({ subject: "two" }), message({ subject: "three" })];
    const r = await imaplib(mode, acct, msgs.map(b64))`
empty = flat(ok(M.select("INBOX")))
first = dict(uidnext=flat(M.response("UIDNEXT")[1]))
appended = [flat(ok(M.append("INBOX", f, when("2026-11-20T10:00:00+00:00"), msg(i))))[0]
            for i, f in enumerate(["(\\Seen)", "(\\Flagged $Work)", None])]
M.close()
sel = flat(ok(M.select("INBOX")))
out(empty=empty, first=first, appended=appended, exists=sel,
    uidvalidity=flat(M.response("UIDVALIDITY")[1]), uidnext=flat(M.response("UIDNEXT")[1]),
    permanentflags=flat(M.response("PERMANENTFLAGS")[1]), flags=flat(M.response("FLAGS")[1]))
`;
    expect(r.empty).toEqual(["0"]);
    expect(r.first.uidnext).toEqual(["1"]);
    expect(r.exists).toEqual(["3"]);
    const validity = r.uidvalidity[0];
    expect(validity).toMatch(/^[1-9]\d*$/);
    expect(r.appended).toEqual([1, 2, 3].map((u) => expect.stringContaining(`[APPENDUID ${validity} ${u}]`)));
    expect(r.uidnext).toEqual(["4"]);
    for (const f of ["\\Seen", "\\Flagged", "\\Deleted", "\\Answered", "\\Draft", "\\*"])
      expect(r.permanentflags[0]).toContain(f);
    expect(r.flags[0]).toContain("$Work");
  });

  it("FETCHes flags, date, size, envelope, exact bytes, header fields, text; only non-PEEK sets \\Seen", async () => {
    const acct = await seedMailbox(testContext());
    const raw = message({ from: "Alice <alice@example.net>", subject: "Fetch me", body: "Line one\r\nLine two\r\n" });
    const r = await imaplib(mode, acct, [b64(raw)])`
ok(M.append("INBOX", "(\\Flagged)", when("2026-03-04T05:06:07+02:00"), msg(0)))
ok(M.select("INBOX"))
meta = flat(ok(M.fetch("1", "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)")))
peek = ok(M.fetch("1", "(BODY.PEEK[])"))[0][1]
after_peek = flat(ok(M.fetch("1", "(FLAGS)")))
hdr = ok(M.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])"))[0][1]
text = ok(M.fetch("1", "(BODY[TEXT])"))
after_text = flat(ok(M.fetch("1", "(FLAGS)")))
out(meta=meta, peek=s(peek), after_peek=after_peek, hdr=s(hdr), text=flat(text), after_text=after_text)
`;
    const meta = r.meta.join(" ");
    // \Recent too: this session is the first to see the message.
    expect(meta).toMatch(/FLAGS \(\\Flagged( \\Recent)?\)/);
    // The same instant; the server may report it in another zone.
    const date = /INTERNALDATE "(\d+)-(\w+)-(\d+) ([\d:]+) ([+-]\d{4})"/.exec(meta);
    expect(date && new Date(`${date[2]} ${date[1]} ${date[3]} ${date[4]} ${date[5]}`).toISOString()).toBe(
      "2026-03-04T03:06:07.000Z",
    );
    expect(meta).toContain(`RFC822.SIZE ${raw.length}`);
    expect(meta).toMatch(/ENVELOPE \("[^"]+" "Fetch me" \(\("Alice" NIL "alice" "example.net"\)\)/);
    expect(Buffer.from(r.peek, "latin1").equals(raw)).toBe(true);
    expect(r.after_peek.join(" ")).not.toContain("\\Seen");
    expect(r.hdr).toBe("From: Alice <alice@example.net>\r\nSubject: Fetch me\r\n\r\n");
    expect(r.text[0][1]).toBe("Line one\r\nLine two\r\n");
    expect(r.after_text.join(" ")).toMatch(/FLAGS \((?=.*\\Seen)(?=.*\\Flagged)[^)]*\)/);
  });

  it("BODYSTRUCTURE describes multipart/alternative with an attachment", async () => {
    const acct = await seedMailbox(testContext());
    const r = await imaplib(mode, acct, [b64(RICH)])`
ok(M.append("INBOX", None, None, msg(0)))
ok(M.select("INBOX"))
d = ok(M.fetch("1", "(BODYSTRUCTURE)"))
raw = b"".join(x if isinstance(x, bytes) else x[0] + x[1] for x in d)
top = sexp(raw)
resp = top[1]
out(bs=resp[resp.index("BODYSTRUCTURE") + 1], raw=s(raw))
`;
    const low = (v: unknown): unknown => (Array.isArray(v) ? v.map(low) : typeof v === "string" ? v.toLowerCase() : v);
    // multipart: parts…, subtype, params, …; single part: type, subtype, params, id, description, encoding, size, …
    const [alt, pdf, subtype] = low(r.bs) as unknown[][];
    expect(subtype).toBe("mixed");
    const [plain, html, altSubtype] = alt as unknown[][];
    expect(altSubtype).toBe("alternative");
    expect(plain.slice(0, 6)).toEqual(["text", "plain", ["charset", "utf-8"], null, null, "quoted-printable"]);
    expect(html.slice(0, 3)).toEqual(["text", "html", ["charset", "utf-8"]]);
    expect(pdf.slice(0, 6)).toEqual(["application", "pdf", ["name", "report.pdf"], null, null, "base64"]);
    // Not text: size, then md5 and the disposition.
    expect(pdf[8]).toEqual(["attachment", ["filename", "report.pdf"]]);
  });
});

describe("imaplib (STARTTLS)", () => {
  const mode: Mode = "starttls";

  it("STOREs flags and keywords with +FLAGS, -FLAGS, FLAGS and .SILENT", async () => {
    const acct = await seedMailbox(testContext());
    const r = await imaplib(mode, acct, [b64(message())])`
for i in range(2): ok(M.append("INBOX", None, None, msg(0)))
ok(M.select("INBOX"))
add = flat(ok(M.store("1", "+FLAGS", "(\\Flagged $Work)")))
rem = flat(ok(M.store("1", "-FLAGS", "(\\Flagged)")))
rep = flat(ok(M.store("1:2", "FLAGS", "(\\Seen $Todo)")))
silent = flat(ok(M.store("2", "+FLAGS.SILENT", "(\\Answered)")))
final = flat(ok(M.fetch("1:2", "(FLAGS)")))
out(add=add, rem=rem, rep=rep, silent=silent, final=final)
`;
    const flagsOf = (line: string) =>
      (/FLAGS \(([^)]*)\)/.exec(line)?.[1] ?? "")
        .split(" ")
        .filter((f) => f && f !== "\\Recent")
        .sort()
        .join(" ");
    expect(r.add.map(flagsOf)).toEqual(["$Work \\Flagged"]);
    expect(r.rem.map(flagsOf)).toEqual(["$Work"]);
    expect(r.rep.map(flagsOf)).toEqual(["$Todo \\Seen", "$Todo \\Seen"]);
    expect(r.silent).toEqual([]);
    expect(r.final.map(flagsOf)).toEqual(["$Todo \\Seen", "$Todo \\Answered \\Seen"]);
  });

  it("COPY copies to another folder with COPYUID and keeps flags", async () => {
    const acct = await seedMailbox(testContext());
    const r = await imaplib(
      mode,
      acct,
      [message({ subject: "a" }), message({ subject: "b" }), message({ subject: "c" })].map(b64),
    )`
for i in range(3): ok(M.append("INBOX", "(\\Flagged)" if i == 1 else None, None, msg(i)))
ok(M.select("Archive")); arch_validity = flat(M.response("UIDVALIDITY")[1])[0]
ok(M.select("INBOX"))
copied = flat(ok(M.copy("2:3", "Archive")))
ok(M.select("Archive", readonly=True))
there = flat(ok(M.fetch("1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")))
inbox = ok(M.status("INBOX", "(MESSAGES)"))
out(arch_validity=arch_validity, copied=copied, there=there, inbox=flat(inbox))
`;
    expect(r.copied[0]).toContain(`[COPYUID ${r.arch_validity} 2:3 1:2]`);
    const text = JSON.stringify(r.there);
    expect(text).toMatch(/UID 1 FLAGS \(\\\\Flagged\)/);
    expect(text).toContain("Subject: b");
    expect(text).toContain("Subject: c");
    expect(text).not.toContain("Subject: a");
    expect(r.inbox[0]).toContain("MESSAGES 3");
  });

  it("SEARCHes by flag, address, subject, date, size, OR/NOT, UID and body text", async () => {
    const acct = await seedMailbox(testContext());
    const msgs = [
      message({ subject: "placeholder" }),
      message({ from: "alice@example.net", subject: "Quarterly report", body: "Numbers attached.\r\n" }),
      message({ from: "bob@example.net", subject: "Lunch?", body: "Meet at the zanzibar cafe.\r\n" }),
      message({
        from: "carol@example.net",
        subject: "=?utf-8?q?Gr=C3=BC=C3=9Fe?= aus Berlin",
        body: `${"padding ".repeat(700)}\r\n`,
      }),
      message({ from: "alice@example.net", subject: "Re: Quarterly report", body: "Thanks.\r\n" }),
    ];
    // After expunging the placeholder, sequence n holds UID n+1. Criteria: expected result.
    const cases = Object.fromEntries(
      `UNSEEN: 2 3
      FROM alice: 1 4
      SUBJECT quarterly: 1 4
      SINCE 1-Jun-2026: 3 4
      BEFORE 10-Mar-2026: 1
      LARGER 4000: 3
      OR FROM bob FROM carol: 2 3
      NOT FROM alice: 2 3
      UID 3:4: 2 3
      TEXT zanzibar: 2
      BODY zanzibar: 2
      SUBJECT zanzibar:
      UID SEARCH UNSEEN: 3 4
      UID SEARCH ALL: 2 3 4 5`
        .split("\n")
        .map((l) => l.trim().split(/: ?(?=[\d ]*$)/)),
    );
    const r = await imaplib(mode, acct, [...msgs.map(b64), JSON.stringify(Object.keys(cases))])`
dates = ["2025-12-01", "2026-01-05", "2026-03-10", "2026-06-01", "2026-07-01"]
flags = [None, "(\Seen)", None, None, "(\Seen \Flagged)"]
for i in range(5): ok(M.append("INBOX", flags[i], when(dates[i] + "T12:00:00+00:00"), msg(i)))
ok(M.select("INBOX"))
ok(M.store("1", "+FLAGS", "(\Deleted)")); ok(M.expunge())
def q(c):
    if c.startswith("UID SEARCH "): return flat(ok(M.uid("SEARCH", *c[11:].split(" "))))[0]
    return flat(ok(M.search(None, *c.split(" "))))[0]
out(**{c: q(c) for c in json.loads(args[5])})
`;
    expect(r).toEqual(cases);
  });

  it("SEARCH CHARSET UTF-8 with a literal finds non-ASCII subjects and names, RFC 2047-encoded or raw", async () => {
    const acct = await seedMailbox(testContext());
    const msgs = [
      message({ subject: "=?utf-8?q?Gr=C3=BC=C3=9Fe?= aus Berlin" }),
      message({ subject: "Grüße aus Wien" }),
      message({ subject: "Gruss aus Bern" }),
      message({ from: "=?utf-8?q?J=C3=BCrgen?= <j@example.net>", subject: "Hallo" }),
    ];
    const r = await imaplib(mode, acct, msgs.map(b64))`
for i in range(4): ok(M.append("INBOX", None, None, msg(i)))
ok(M.select("INBOX"))
res = {}
for key, word in [("SUBJECT", "Grüße"), ("TEXT", "Grüße"), ("FROM", "Jürgen")]:
    M.literal = word.encode("utf-8")
    res[key] = flat(ok(M.search("UTF-8", key)))[0]
out(**res)
`;
    expect(r).toEqual({ SUBJECT: "1 2", TEXT: "1 2", FROM: "4" });
  });

  it("EXPUNGE removes \\Deleted messages with untagged EXPUNGE responses", async () => {
    const acct = await seedMailbox(testContext());
    const r = await imaplib(
      mode,
      acct,
      ["a", "b", "c", "d"].map((subject) => b64(message({ subject }))),
    )`
for i in range(4): ok(M.append("INBOX", None, None, msg(i)))
ok(M.select("INBOX"))
ok(M.store("1,3", "+FLAGS.SILENT", "(\\Deleted)"))
expunged = flat(ok(M.expunge()))
left = flat(ok(M.fetch("1:*", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])")))
exists = flat(ok(M.select("INBOX")))
out(expunged=expunged, left=left, exists=exists)
`;
    // Replay the EXPUNGE responses on the sequence: only b and d may remain.
    const seq = ["a", "b", "c", "d"];
    expect(r.expunged).toHaveLength(2);
    for (const n of r.expunged) seq.splice(Number(n) - 1, 1);
    expect(seq).toEqual(["b", "d"]);
    const text = JSON.stringify(r.left);
    expect(text).toMatch(/UID 2 .*Subject: b.*UID 4 .*Subject: d/);
    expect(text).not.toMatch(/Subject: [ac]/);
    expect(r.exists).toEqual(["2"]);
  });

  it("IDLE: an append by another client arrives as * N EXISTS within a second", async () => {
    const acct = await seedMailbox(testContext());
    const code = `${PRELUDE}
ok(M.append("INBOX", None, None, b"Subject: before\\r\\n\\r\\nx\\r\\n"))
ok(M.select("INBOX"))
M.sock.settimeout(10)
M.send(b"I1 IDLE\\r\\n")
print("CONT " + s(M.readline()).strip(), flush=True)
def until(done):
    while not done(line := s(M.readline()).strip()): print("LINE " + line, flush=True)
    print("LINE " + line, flush=True)
until(lambda l: l.endswith("EXISTS"))
M.send(b"DONE\\r\\n")
until(lambda l: l.startswith("I1 "))
M.logout()
`;
    const child = spawn(
      "python3",
      ["-c", code, mode, gw.ports.imap, gw.tls.certPath, acct.address, acct.password].map(String),
    );
    type Line = { at: number; text: string };
    const lines: Line[] = [];
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    createInterface({ input: child.stdout }).on("line", (text) => lines.push({ at: Date.now(), text }));
    const exited = new Promise<number | null>((res) => child.on("exit", res));
    const waitFor = async (re: RegExp, ms: number): Promise<Line> => {
      try {
        return (await eventually(async () => lines.find((l) => re.test(l.text)), ms, String(re))) as Line;
      } catch (err) {
        throw new Error(`${(err as Error).message}; python printed ${JSON.stringify(lines)} ${stderr}`);
      }
    };
    try {
      expect((await waitFor(/^CONT /, 10_000)).text).toBe("CONT + idling");
      const phone = await imapflow(gw, acct);
      const appendedAt = Date.now();
      await phone.append("INBOX", message({ subject: "while idling" }));
      const exists = await waitFor(/EXISTS$/, 5_000);
      expect(exists.text).toBe("LINE * 2 EXISTS");
      expect(exists.at - appendedAt).toBeLessThan(1000);
      expect((await waitFor(/^LINE I1 /, 5_000)).text).toMatch(/^LINE I1 OK/);
      expect(await exited).toBe(0);
      await phone.logout();
    } finally {
      child.kill();
    }
  });

  it("refuses a wrong password, and any LOGIN before STARTTLS (LOGINDISABLED)", async () => {
    const acct = await seedMailbox(testContext());
    const r = await imaplib(mode, acct)`
def attempt(c, password):
    try:
        c.login(user, password); return "logged in"
    except imaplib.IMAP4.error as e:
        return str(e)
plain = imaplib.IMAP4("127.0.0.1", int(port))
out(wrong=attempt(connect(), pw + "x"), caps=list(plain.capabilities), cleartext=attempt(plain, pw), state=plain.state)
`;
    expect(r.wrong).toMatch(/^b?'?\[AUTHENTICATIONFAILED\]/);
    expect(r.caps).toEqual(expect.arrayContaining(["LOGINDISABLED", "STARTTLS"]));
    expect(r.cleartext).toMatch(/^b?'?\[PRIVACYREQUIRED\]/);
    expect(r.state).toBe("NONAUTH");
  });
});
