// What no client can make the server do, whatever it sends: forge response
// lines, get 8-bit or ungrammatical text back, get a reply under a tag it
// never used, or hit an internal error by racing another session of the
// same mailbox. Each case was found by imap-fuzz.test.ts and is pinned here
// with its minimal input.
import { type SeededMailbox, seedMailbox } from "@postern/db/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { message } from "../../../test/helpers/imap.ts";
import { parseResponse, RawImap } from "../../../test/helpers/raw-imap.ts";

let gw: Awaited<ReturnType<typeof startTestGateway>>;
beforeAll(async () => {
  gw = await startTestGateway({ POSTERN_PLAINTEXT_LOOPBACK: "true" });
});
afterAll(() => gw?.close());

async function session(m: SeededMailbox, select?: string): Promise<RawImap> {
  const c = await RawImap.connect(gw.ports.imap);
  expect((await c.command("l", `LOGIN "${m.address}" "${m.password}"`)).status).toBe("OK");
  if (select) expect((await c.command("s", `SELECT ${select}`)).status).toBe("OK");
  return c;
}

/** Every response in `data` parsed by the RFC 3501 grammar (throws on the first bad one). */
function parseAll(data: Buffer): void {
  for (let at = 0; at < data.length; ) {
    const r = parseResponse(data, at);
    if (!r) throw new Error(`incomplete response at ${at}: ${JSON.stringify(data.subarray(at).toString("latin1"))}`);
    at = r.end;
  }
}

const lines = (data: Buffer) => data.toString("latin1").split("\r\n").slice(0, -1);

describe("responses whatever the client sends", () => {
  it("never copies a client's CR LF into a response (no forged response lines)", async () => {
    const m = await seedMailbox(testContext());
    const c = await session(m, "INBOX");
    // The charset name is a literal holding CRLF and a line that looks like the server's.
    c.send("a SEARCH CHARSET {12+}\r\nX\r\n* BYE lol ALL\r\nb NOOP\r\n");
    const r = await c.response("b");
    expect(lines(r.data)).toEqual([expect.stringMatching(/^a NO \[BADCHARSET [^\r\n]*$/), "b OK NOOP completed"]);
    c.close();
  });

  it("keeps response text 7-bit when the client sends 8-bit octets", async () => {
    const m = await seedMailbox(testContext());
    const c = await session(m, "INBOX");
    const inputs = ["FETCH 1 (FLAGS \xff)", "SEARCH \xc3\xa9", 'SEARCH CHARSET "\xff" ALL', "SELECT INBOX (\x80)"];
    const eightBit: string[] = [];
    for (const [i, text] of inputs.entries()) {
      const r = await c.command(`t${i}`, text);
      if (r.data.some((o) => o >= 0x80)) eightBit.push(`${JSON.stringify(text)} → ${JSON.stringify(r.line)}`);
    }
    expect(eightBit).toEqual([]);
    c.close();
  });

  it("echoes BODY[HEADER.FIELDS (…)] names in valid response grammar (atom-specials quoted)", async () => {
    const m = await seedMailbox(testContext());
    const c = await session(m);
    const msg = message({ subject: "fields" });
    expect((await c.command("a", [`APPEND INBOX {${msg.length}}`, msg, ""])).status).toBe("OK");
    await c.command("s", "SELECT INBOX");
    const invalid: string[] = [];
    for (const field of ["*X", "%X", "\\X", "]X", "SUBJECT"]) {
      const r = await c.command("f", `FETCH 1 BODY.PEEK[HEADER.FIELDS (${field})]`);
      expect(r.status).toBe("OK");
      try {
        parseAll(r.data);
      } catch (err) {
        invalid.push(`${field}: ${(err as Error).message} in ${JSON.stringify(r.text.split("\r\n")[0])}`);
      }
    }
    expect(invalid).toEqual([]);
    c.close();
  });

  it("answers a command whose tag is invalid or too long untagged, never with part of the tag", async () => {
    const m = await seedMailbox(testContext());
    const c = await session(m);
    // No space, so tagOf() would take the first 64 octets as a tag nobody sent.
    const inputs = [`${"a".repeat(64)}(`, `${"b".repeat(64)}\x80`, "c".repeat(70_000)];
    for (const text of inputs) {
      c.send(`${text}\r\n`);
      c.send("n NOOP\r\n");
      const r = await c.response("n");
      expect(lines(r.data).slice(0, -1), `reply to ${JSON.stringify(text.slice(0, 70))}`).toEqual([
        expect.stringMatching(/^\* BAD /),
      ]);
    }
    c.close();
  });
});

describe("a line during IDLE that is not DONE", () => {
  // Found by imap-fuzz (seed 1621220804): an oversized literal or an overlong
  // line sent while IDLE waited for DONE was answered under its own tag
  // before IDLE's tagged BAD — a reply out of order.
  for (const [what, line] of [
    ["with an oversized literal", "b SUBSCRIBE {4294967296}"],
    ["with a literal IDLE cannot take", "b SUBSCRIBE {5+}"],
    ["over the line limit", `b ${"x".repeat(70_000)}`],
  ] as const) {
    it(`${what}: ends IDLE with a tagged BAD first, and the session goes on`, async () => {
      const m = await seedMailbox(testContext());
      const c = await session(m, "INBOX");
      c.send("i IDLE\r\n");
      await c.readUntil(/^\+ [^\r]*\r\n/m);
      c.send(`${line}\r\n`);
      if (line.endsWith("{5+}")) c.send("Fuzz/\r\n");
      c.send("n NOOP\r\n");
      const r = await c.response("n");
      const tagged = lines(r.data).filter((l) => /^[a-z] /.test(l));
      // IDLE's tag is answered first; the session then answers NOOP.
      expect(tagged[0]).toMatch(/^i BAD /);
      expect(tagged.at(-1)).toMatch(/^n OK /);
      c.close();
    });
  }
});

describe("sessions of one mailbox racing each other", () => {
  it("answers racing CREATE and RENAME of one name with NO [ALREADYEXISTS], never [SERVERBUG]", async () => {
    const m = await seedMailbox(testContext());
    const [a, b] = [await session(m), await session(m)];
    const race = async (tag: string, [x, y]: [string, string]) => {
      const many = (p: string) =>
        Array.from({ length: 10 }, (_, i) => `${tag}${i} ${p.replaceAll("#", String(i))}\r\n`);
      a.send(many(x).join(""));
      b.send(many(y).join(""));
      const replies = await Promise.all([a.response(`${tag}9`), b.response(`${tag}9`)]);
      return replies.flatMap((r) => lines(r.data).filter((l) => / (NO|BAD) /.test(l)));
    };
    // Each pair: one wins, the other is told the name exists.
    const created = await race("c", ["CREATE Race#", "CREATE Race#"]);
    expect(created.filter((l) => !/ NO \[ALREADYEXISTS\] /.test(l))).toEqual([]);
    expect(created).toHaveLength(10);
    await race("s", ["CREATE From#a", "CREATE From#b"]);
    const renamed = await race("r", ["RENAME From#a To#", "RENAME From#b To#"]);
    expect(renamed.filter((l) => !/ NO \[ALREADYEXISTS\] /.test(l))).toEqual([]);
    expect(renamed).toHaveLength(10);
    a.close();
    b.close();
  });

  it("answers commands on a selected folder another session deleted with NO or BYE, never [SERVERBUG]", async () => {
    const m = await seedMailbox(testContext());
    const other = await session(m);
    const commands = [
      "FETCH 1 (FLAGS)",
      "FETCH 1 BODY[]",
      "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)",
      "UID SEARCH ALL",
      "SEARCH MODSEQ 1",
      "STORE 1 +FLAGS (\\Seen)",
      "COPY 1 INBOX",
      "NOOP",
    ];
    const answers: string[] = [];
    for (const [i, command] of commands.entries()) {
      const msg = message({ subject: `doomed ${i}` });
      expect((await other.command("c", `CREATE Doomed${i}`)).status).toBe("OK");
      expect((await other.command("a", [`APPEND Doomed${i} {${msg.length}}`, msg, ""])).status).toBe("OK");
      const c = await session(m, `Doomed${i}`);
      expect((await other.command("d", `DELETE Doomed${i}`)).status).toBe("OK");
      c.send(`x ${command}\r\n`);
      const out = await c.readUntil(/^(x [^\r]*|\* BYE [^\r]*)\r\n/m);
      answers.push(`${command} → ${lines(Buffer.from(out, "latin1")).at(-1)}`);
      c.close();
    }
    expect(answers.filter((a) => !/→ (x NO \[NONEXISTENT\] |\* BYE )/.test(a))).toEqual([]);
    other.close();
  });
});
