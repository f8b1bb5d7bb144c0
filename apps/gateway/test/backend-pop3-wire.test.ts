// The POP3 response reader and listings on wire strings: status lines with
// RFC 2449 response codes, multi-line data with byte-stuffed dots, strict
// CRLF, size limits — each input also fed one byte at a time, since TCP may
// split it anywhere.
import { StoreError } from "@postern/protocol";
import { describe, expect, it } from "vitest";
import { parseCapa } from "../src/backends/pop3/capa.ts";
import { replyError } from "../src/backends/pop3/errors.ts";
import { parseListing } from "../src/backends/pop3/listing.ts";
import { type Expect, parseStatus, type Response, ResponseReader } from "../src/backends/pop3/wire.ts";

const LINE: Expect = { multiline: false };
const DATA: Expect = { multiline: true, maxBytes: 1024 };

/** Feed `wire` whole, then one byte at a time; both must give the same responses. */
function read(wire: string | Buffer, expects: Expect[]): Response[] {
  const bytes = Buffer.isBuffer(wire) ? wire : Buffer.from(wire, "latin1");
  const whole = collect([bytes], expects);
  const split = collect(
    [...bytes].map((b) => Buffer.from([b])),
    expects,
  );
  expect(split).toEqual(whole);
  return whole;
}

function collect(chunks: Buffer[], expects: Expect[]): Response[] {
  const reader = new ResponseReader(512);
  const out: Response[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    while (out.length < expects.length) {
      const r = reader.next(expects[out.length]);
      if (!r) break;
      out.push(r);
    }
  }
  return out;
}

describe("status lines", () => {
  it("reads +OK, -ERR, response codes and SASL continuations", () => {
    expect(parseStatus("+OK Dovecot ready.")).toEqual({ kind: "ok", code: null, text: "Dovecot ready." });
    expect(parseStatus("+OK")).toEqual({ kind: "ok", code: null, text: "" });
    expect(parseStatus("-ERR [IN-USE] Mailbox is locked")).toEqual({
      kind: "err",
      code: "IN-USE",
      text: "Mailbox is locked",
    });
    expect(parseStatus("-ERR [sys/temp] later")).toMatchObject({ code: "SYS/TEMP" });
    expect(parseStatus("+ ")).toEqual({ kind: "continue", code: null, text: "" });
    expect(() => parseStatus("* OK imap?")).toThrow(/unexpected response line/);
  });

  it("answers one response per expected line, in order", () => {
    const rs = read("+OK a\r\n-ERR [AUTH] no\r\n+OK c\r\n", [LINE, LINE, LINE]);
    expect(rs.map((r) => [r.kind, r.code, r.text])).toEqual([
      ["ok", null, "a"],
      ["err", "AUTH", "no"],
      ["ok", null, "c"],
    ]);
  });

  it("refuses a status line ended by a bare LF, or longer than the limit", () => {
    const r = new ResponseReader(512);
    r.push(Buffer.from("+OK hi\n"));
    expect(() => r.next(LINE)).toThrow(/CRLF/);
    const long = new ResponseReader(512);
    long.push(Buffer.from(`+OK ${"x".repeat(600)}`));
    expect(() => long.next(LINE)).toThrow(/longer than 512/);
  });
});

describe("multi-line data", () => {
  it("removes stuffed dots, keeps CRLFs and ends at a lone dot", () => {
    const wire = "+OK 5 octets\r\nSubject: x\r\n\r\n..leading dot\r\n...\r\n..\r\n\r\nlast.\r\n.\r\n";
    const [r] = read(wire, [DATA]);
    expect(r.kind).toBe("ok");
    expect(r.data!.toString("latin1")).toBe("Subject: x\r\n\r\n.leading dot\r\n..\r\n.\r\n\r\nlast.\r\n");
  });

  it("gives empty data for an empty listing, and no data after -ERR", () => {
    const rs = read("+OK\r\n.\r\n-ERR no such message\r\n+OK\r\n", [DATA, DATA, LINE]);
    expect(rs[0].data!.length).toBe(0);
    expect(rs[1]).toEqual({ kind: "err", code: null, text: "no such message" });
    expect(rs[2].kind).toBe("ok");
  });

  it("passes bare CR, bare LF and 8-bit bytes inside a line through untouched", () => {
    const body = Buffer.from([0x61, 0x0d, 0x62, 0x0a, 0x63, 0xff, 0x00, 0x0d, 0x0a]);
    const wire = Buffer.concat([Buffer.from("+OK\r\n"), body, Buffer.from(".\r\n")]);
    const [r] = read(wire, [DATA]);
    expect(r.data).toEqual(body);
  });

  it("counts data past maxBytes without keeping it, and stays in step for the next response", () => {
    const big = `+OK\r\n${"0123456789abcdef\r\n".repeat(100)}.\r\n+OK next\r\n`;
    const rs = read(big, [DATA, LINE]);
    expect(rs[0].overflow).toBe(true);
    expect(rs[0].dataBytes).toBe(1800);
    expect(rs[0].data!.length).toBe(0);
    expect(rs[1].text).toBe("next");
  });

  it("refuses a listing line past its limit", () => {
    const r = new ResponseReader(512);
    r.push(Buffer.from(`+OK\r\n1 ${"u".repeat(100)}\r\n.\r\n`));
    expect(() => r.next({ multiline: true, maxBytes: 1 << 20, maxLineBytes: 64 })).toThrow(/longer than 64/);
  });
});

describe("listings and capabilities", () => {
  it("reads UIDL lines and refuses garbage", () => {
    const data = Buffer.from("1 000000016b07e748\r\n2 whatever-id\r\n");
    expect(parseListing(data, "UIDL", "h:1")).toEqual([
      { n: 1, value: "000000016b07e748" },
      { n: 2, value: "whatever-id" },
    ]);
    for (const bad of ["0 x\r\n", "1\r\n", "1 two words\r\n", "x 1\r\n"]) {
      expect(() => parseListing(Buffer.from(bad), "UIDL", "h:1")).toThrow(StoreError);
    }
  });

  it("reads CAPA", () => {
    const caps = parseCapa(
      Buffer.from(
        "CAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nSTLS\r\nSASL PLAIN login\r\nLOGIN-DELAY 900 USER\r\n",
      ),
    );
    expect(caps).toMatchObject({ known: true, stls: true, pipelining: true, uidl: true, top: true });
    expect(caps.loginDelaySeconds).toBe(900);
    expect([...caps.sasl]).toEqual(["PLAIN", "LOGIN"]);
  });
});

describe("-ERR in the store's vocabulary", () => {
  const at = (command: string, auth = false) => ({ command, auth, where: "h:110" });
  it("maps codes by their first level", () => {
    const err = (code: string | null, command = "RETR 1", auth = false) =>
      replyError({ kind: "err", code, text: "words" }, at(command, auth)).code;
    expect(err("IN-USE", "PASS", true)).toBe("unavailable");
    expect(err("LOGIN-DELAY", "AUTH PLAIN", true)).toBe("unavailable");
    expect(err("SYS/TEMP/DISK")).toBe("unavailable");
    expect(err("AUTH", "PASS", true)).toBe("authFailed");
    expect(err(null, "PASS", true)).toBe("authFailed");
    expect(err("SYS/PERM", "PASS", true)).toBe("notPossible");
    expect(err(null)).toBe("notPossible");
  });

  it("keeps the server's words in detail only", () => {
    const e = replyError({ kind: "err", code: "IN-USE", text: "locked by pid 42" }, at("PASS", true));
    expect(e.message).not.toMatch(/locked|IN-USE/);
    expect(e.detail).toBe("h:110 PASS: -ERR [IN-USE] locked by pid 42");
  });
});
