// The IMAP server's wire limits (packages/protocol/src/limits.ts), each
// attacked over a raw socket: a client past a limit gets BAD/NO or `* BYE`,
// the server never waits for bytes it refused, never executes bytes it said
// it would skip, and the next command on the session still works.

import { type SeededMailbox, seedMailbox } from "@postern/db/seed";
import {
  APPEND_LIMIT_BYTES,
  MAX_BAD_COMMANDS,
  MAX_COMMAND_BYTES,
  MAX_LINE_BYTES,
  MAX_LITERAL_BYTES,
  MAX_LITERAL_BYTES_PREAUTH,
  MAX_NESTING_DEPTH,
  MAX_PREAUTH_COMMANDS,
} from "@postern/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { eventually } from "../../../test/helpers/ports.ts";
import { RawImap } from "../../../test/helpers/raw-imap.ts";

let gw: Awaited<ReturnType<typeof startTestGateway>>;
beforeAll(async () => {
  gw = await startTestGateway({ POSTERN_PLAINTEXT_LOOPBACK: "true" });
});
afterAll(() => gw?.close());

async function loggedIn(m: SeededMailbox, select = false): Promise<RawImap> {
  const c = await RawImap.connect(gw.ports.imap);
  expect((await c.command("l1", `LOGIN "${m.address}" "${m.password}"`)).status).toBe("OK");
  if (select) expect((await c.command("l2", "SELECT INBOX")).status).toBe("OK");
  return c;
}

async function messagesIn(m: SeededMailbox, folder = "INBOX"): Promise<number> {
  const c = await loggedIn(m);
  const r = await c.command("st", `STATUS ${folder} (MESSAGES)`);
  c.close();
  const n = /MESSAGES (\d+)/.exec(r.text);
  if (!n) throw new Error(`no STATUS in ${r.text}`);
  return Number(n[1]);
}

/** Tagged replies in a transcript, in order. */
function tagged(text: string): string[] {
  return [...text.matchAll(/^([^\s*+]+) (OK|NO|BAD)\b/gm)].map((m) => `${m[1]} ${m[2]}`);
}

describe("wire limits", () => {
  it(`answers a line over MAX_LINE_BYTES (${MAX_LINE_BYTES}) with BAD and keeps the session`, async () => {
    const m = await seedMailbox(testContext());
    const c = await loggedIn(m);
    // `tag ID ("x" "yyy…")` padded to exactly `bytes` octets, CRLF not counted.
    const idOf = (tag: string, bytes: number) => `ID ("x" "${"y".repeat(bytes - `${tag} ID ("x" "")`.length)}")`;
    // MAX_LINE_BYTES octets with the CRLF: a command like any other.
    expect((await c.command("a0", idOf("a0", MAX_LINE_BYTES - 2))).line).toBe("a0 OK ID completed");
    // One octet over the limit without the CRLF: refused, and the session goes on.
    const over = await c.command("a1", idOf("a1", MAX_LINE_BYTES + 1));
    expect(over.line).toBe("a1 BAD Command line too long");
    // 3× the limit in small pieces: the server must not wait for the end to refuse it.
    c.send(`a2 NOOP ${"z".repeat(1000)}`);
    for (let i = 0; i < 3 * MAX_LINE_BYTES; i += 16 * 1024) c.send("z".repeat(16 * 1024));
    c.send("\r\n");
    expect((await c.readUntil(/a2 [^\r]*\r\n/)).endsWith("a2 BAD Command line too long\r\n")).toBe(true);
    // A literal announced at the end of an over-long line is read past, not executed.
    c.send(`a3 NOOP ${"z".repeat(MAX_LINE_BYTES)} {11+}\r\na9 LOGOUT\r\n\r\n`);
    const next = await c.command("a4", "NOOP");
    expect(next.status).toBe("OK");
    expect(tagged(next.text)).toEqual(["a3 BAD", "a4 OK"]);
    expect(next.text).not.toContain("BYE");
    c.close();
  });

  it(`refuses a literal over MAX_LITERAL_BYTES (${MAX_LITERAL_BYTES}) without waiting for it, and reads past a {n+} one`, async () => {
    const m = await seedMailbox(testContext());
    const c = await loggedIn(m, true);
    // At the limit: accepted ("+"), and the command runs.
    const ok = await c.command("b0", [`SEARCH TEXT {${MAX_LITERAL_BYTES}}`, Buffer.alloc(MAX_LITERAL_BYTES, 0x61), ""]);
    expect(ok.text).toMatch(/^\+ /);
    expect(ok.line).toBe("b0 OK SEARCH completed");
    // Synchronising, one byte over: BAD at once, no "+", nothing awaited.
    const sync = await c.command("b1", [`SEARCH TEXT {${MAX_LITERAL_BYTES + 1}}`, Buffer.alloc(0)]);
    expect(sync.text).not.toMatch(/^\+/m);
    expect(sync.line).toMatch(/^b1 BAD Literal too large/);
    expect((await c.command("b2", "NOOP")).status).toBe("OK");
    // Non-synchronising: the bytes are on their way; they are skipped, even if they look like commands.
    const junk = Buffer.alloc(MAX_LITERAL_BYTES + 1, "b9 LOGOUT\r\n");
    c.send(Buffer.concat([Buffer.from(`b3 SEARCH TEXT {${junk.length}+}\r\n`), junk, Buffer.from(" ALL\r\n")]));
    const after = await c.command("b4", "NOOP");
    expect(tagged(after.text)).toEqual(["b3 BAD", "b4 OK"]);
    expect(after.text).not.toContain("BYE");
    c.close();
  });

  it(`answers an APPEND over APPEND_LIMIT_BYTES with NO [TOOBIG] without reading it`, async () => {
    const m = await seedMailbox(testContext());
    const c = await loggedIn(m);
    // At the limit the server asks for the data ("+"); we hang up instead of sending 50 MB.
    const at = await RawImap.connect(gw.ports.imap);
    await at.command("l", `LOGIN "${m.address}" "${m.password}"`);
    at.send(`c0 APPEND INBOX {${APPEND_LIMIT_BYTES}}\r\n`);
    expect(await at.readUntil(/^[^\r]*\r\n/)).toMatch(/^\+ /);
    at.close();
    const started = Date.now();
    const r = await c.command("c1", [`APPEND INBOX {${APPEND_LIMIT_BYTES + 1}}`, Buffer.alloc(0)]);
    expect(r.line).toMatch(/^c1 NO \[TOOBIG\] /);
    expect(r.text).not.toMatch(/^\+/m);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await c.command("c2", "NOOP")).status).toBe("OK");
    c.close();
    expect(await messagesIn(m)).toBe(0);
  });

  it(`refuses a literal over MAX_LITERAL_BYTES_PREAUTH (${MAX_LITERAL_BYTES_PREAUTH}) before login`, async () => {
    const c = await RawImap.connect(gw.ports.imap);
    const at = await c.command("d0", [
      `ID ("x" {${MAX_LITERAL_BYTES_PREAUTH}}`,
      Buffer.alloc(MAX_LITERAL_BYTES_PREAUTH, 0x61),
      ")",
    ]);
    expect(at.line).toBe("d0 OK ID completed");
    const sync = await c.command("d1", [`LOGIN {${MAX_LITERAL_BYTES_PREAUTH + 1}}`, Buffer.alloc(0)]);
    expect(sync.line).toMatch(/^d1 BAD Literal too large/);
    expect(sync.text).not.toMatch(/^\+/m);
    const junk = Buffer.alloc(MAX_LITERAL_BYTES_PREAUTH + 1, "d9 LOGOUT\r\n");
    c.send(Buffer.concat([Buffer.from(`d2 LOGIN {${junk.length}+}\r\n`), junk, Buffer.from(" pw\r\n")]));
    const after = await c.command("d3", "NOOP");
    expect(tagged(after.text)).toEqual(["d2 BAD", "d3 OK"]);
    c.close();
  });

  it(`refuses a command over MAX_COMMAND_BYTES (${MAX_COMMAND_BYTES}) in total and reads past the rest of it`, async () => {
    const m = await seedMailbox(testContext());
    const c = await loggedIn(m, true);
    const part = Buffer.alloc(60_000, 0x61);
    const search = (n: number): Array<string | Buffer> => [
      ...Array.from({ length: n }, (_, i) => [`${i ? " " : "SEARCH "}TEXT {${part.length}+}`, part]).flat(),
      "",
    ];
    // Literals alone: under the budget the SEARCH runs; past it, BAD and the remaining {n+} literals are skipped.
    const fits = Math.floor((MAX_COMMAND_BYTES - 1000) / part.length);
    expect((await c.command("e0", search(fits))).line).toBe("e0 OK SEARCH completed");
    const over = await c.command("e1", search(fits + 5));
    expect(over.line).toBe("e1 BAD Command too large");
    const after = await c.command("e2", "NOOP");
    expect(tagged(after.text)).toEqual(["e2 OK"]);
    c.close();
  });

  it("reads past the literal of a command whose lines exceed MAX_COMMAND_BYTES (no literal bytes executed)", async () => {
    const m = await seedMailbox(testContext());
    const c = await loggedIn(m, true);
    // Lines (not literals) grow the command past the budget; each line ends in a small {n+}
    // literal holding what looks like a command. It is data and must never run.
    const inject = Buffer.from("\r\ng9 LOGOUT\r\n");
    const line = `TEXT "${"a".repeat(60_000)}" TEXT {${inject.length}+}`;
    // Count as the receiver does (line octets, then accepted literals) so that a line, not a literal, trips it.
    let counted = 0;
    const parts: Buffer[] = [];
    for (let i = 0; ; i++) {
      const text = `${i ? " " : "g1 SEARCH "}${line}`;
      parts.push(Buffer.from(`${text}\r\n`), inject);
      counted += text.length;
      if (counted > MAX_COMMAND_BYTES) break;
      counted += inject.length;
      expect(counted).toBeLessThanOrEqual(MAX_COMMAND_BYTES);
    }
    parts.push(Buffer.from(" ALL\r\n"));
    c.send(Buffer.concat(parts));
    c.send("g2 NOOP\r\n");
    const after = await c.readUntil(/^(g2 |\* BYE )[^\r]*\r\n/m);
    // A server that lost the literal boundary runs "g9 LOGOUT" from inside it and says BYE.
    expect(after).not.toMatch(/^g9 |^\* BYE/m);
    expect(tagged(after)).toEqual(["g1 BAD", "g2 OK"]);
    c.close();
  });

  it(`refuses nesting deeper than MAX_NESTING_DEPTH (${MAX_NESTING_DEPTH}) and survives 60000 open parentheses`, async () => {
    const m = await seedMailbox(testContext());
    const c = await loggedIn(m, true);
    const nested = (d: number) => `SEARCH ${"(".repeat(d)}ALL${")".repeat(d)}`;
    expect((await c.command("f0", nested(MAX_NESTING_DEPTH))).status).toBe("OK");
    expect((await c.command("f1", nested(MAX_NESTING_DEPTH + 1))).line).toBe("f1 BAD Syntax error: too deeply nested");
    expect((await c.command("f2", `SEARCH ${"(".repeat(60_000)}`)).status).toBe("BAD");
    expect((await c.command("f3", `FETCH 1 (${"BODY[HEADER.FIELDS (".repeat(2_500)}`)).status).toBe("BAD");
    expect((await c.command("f4", "NOOP")).status).toBe("OK");
    c.close();
  });

  it(`says BYE after MAX_BAD_COMMANDS (${MAX_BAD_COMMANDS}) bad commands in a row, not after fewer`, async () => {
    const m = await seedMailbox(testContext());
    const c = await loggedIn(m);
    const bad = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i} FROBNICATE\r\n`).join("");
    // One short of the limit, a good command, again: the count is of bad commands in a row.
    c.send(`${bad("x", MAX_BAD_COMMANDS - 1)}y NOOP\r\n${bad("z", MAX_BAD_COMMANDS - 1)}`);
    const ok = await c.command("w", "NOOP");
    expect(ok.status).toBe("OK");
    expect(ok.text).not.toContain("BYE");
    c.send(`${bad("v", MAX_BAD_COMMANDS + 5)}u NOOP\r\n`);
    const out = await c.readUntil(/\* BYE [^\r]*\r\n/);
    expect(out).toContain(`v${MAX_BAD_COMMANDS - 1} BAD Unknown command\r\n* BYE Too many invalid commands\r\n`);
    expect(out).not.toContain(`v${MAX_BAD_COMMANDS} `);
    await c.closed;
    expect(c.unread().toString("latin1")).toBe("");
  });

  it(`says BYE after MAX_PREAUTH_COMMANDS (${MAX_PREAUTH_COMMANDS}) commands without logging in`, async () => {
    const m = await seedMailbox(testContext());
    const c = await RawImap.connect(gw.ports.imap);
    c.send(Array.from({ length: MAX_PREAUTH_COMMANDS + 3 }, (_, i) => `p${i} NOOP\r\n`).join(""));
    const out = await c.readUntil(/\* BYE [^\r]*\r\n/);
    expect(tagged(out)).toEqual(Array.from({ length: MAX_PREAUTH_COMMANDS }, (_, i) => `p${i} OK`));
    expect(out).toMatch(/\* BYE Too many commands before authentication\r\n$/);
    await c.closed;
    // Once logged in there is no such cap.
    const d = await loggedIn(m);
    d.send(Array.from({ length: MAX_PREAUTH_COMMANDS * 2 }, (_, i) => `q${i} NOOP\r\n`).join(""));
    const r = await d.command("q", "NOOP");
    expect(tagged(r.text)).toHaveLength(MAX_PREAUTH_COMMANDS * 2 + 1);
    d.close();
  });

  it("survives a client that disconnects mid-literal: nothing stored, session released", async () => {
    const m = await seedMailbox(testContext());
    const before = gw.imap.sessions.size;
    const c = await loggedIn(m);
    c.send("h1 APPEND INBOX {100000}\r\n");
    expect(await c.readUntil(/^[^\r]*\r\n/)).toMatch(/^\+ /);
    c.send(Buffer.alloc(50_000, 0x61));
    c.close();
    await eventually(async () => gw.imap.sessions.size <= before, 5000, "the session to be released");
    expect(await messagesIn(m)).toBe(0);
    const d = await loggedIn(m, true);
    expect((await d.command("h2", "NOOP")).status).toBe("OK");
    d.close();
  });
});
