import { describe, expect, it } from "vitest";
import { type FetchRequest, parseFetchRequest } from "../src/fetch-items.ts";
import { ParseError, type Token, tokenize } from "../src/wire/tokens.ts";

/** Parse a real FETCH / UID FETCH command line. */
const fetch = (line: string): FetchRequest => {
  const tokens: Token[] = tokenize({ lines: [Buffer.from(line, "utf8")], literals: [] }).tokens;
  const uid = tokens[0].type === "atom" && tokens[0].value.toUpperCase() === "UID";
  return parseFetchRequest(tokens.slice(uid ? 3 : 2), { uid });
};

const names = (line: string) => fetch(line).items.map((i) => i.name);

describe("parseFetchRequest", () => {
  it("expands the macros (RFC 3501 §6.4.5)", () => {
    expect(names("a FETCH 1 ALL")).toEqual(["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"]);
    expect(names("a FETCH 1 fast")).toEqual(["FLAGS", "INTERNALDATE", "RFC822.SIZE"]);
    expect(names("a FETCH 1 FULL")).toEqual(["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"]);
    const full = fetch("a FETCH 1 FULL");
    expect(full.needs).toEqual({
      flags: true,
      envelope: true,
      bodyStructure: true,
      modseq: false,
      header: false,
      body: false,
    });
    expect(full.setsSeen).toBe(false);
  });

  it("reads a single attribute and lists, case-insensitively", () => {
    expect(names("a FETCH 1 flags")).toEqual(["FLAGS"]);
    expect(names("a FETCH 1:* (uid Flags rfc822.size InternalDate envelope bodystructure body modseq)")).toEqual([
      "UID",
      "FLAGS",
      "RFC822.SIZE",
      "INTERNALDATE",
      "ENVELOPE",
      "BODYSTRUCTURE",
      "BODY",
      "MODSEQ",
    ]);
  });

  it("parses BODY[section]<partial> and names the response item", () => {
    const r = fetch('a FETCH 2:4 (FLAGS BODY.PEEK[HEADER.FIELDS (DATE From "X-Spam")]<0.2048> body[1.2.mime] BODY[])');
    expect(r.items).toEqual([
      { kind: "flags", name: "FLAGS" },
      {
        kind: "bodySection",
        peek: true,
        section: { path: [], kind: "HEADER.FIELDS", fields: ["DATE", "FROM", "X-SPAM"] },
        partial: { start: 0, length: 2048 },
        name: "BODY[HEADER.FIELDS (DATE FROM X-SPAM)]<0>",
      },
      { kind: "bodySection", peek: false, section: { path: [1, 2], kind: "MIME" }, name: "BODY[1.2.MIME]" },
      { kind: "bodySection", peek: false, section: { path: [], kind: "" }, name: "BODY[]" },
    ]);
    expect(r.setsSeen).toBe(true);
    expect(r.needs.body).toBe(true);
  });

  it.each([
    ["BODY[]", { path: [], kind: "" }, "BODY[]"],
    ["BODY[HEADER]", { path: [], kind: "HEADER" }, "BODY[HEADER]"],
    ["BODY[text]", { path: [], kind: "TEXT" }, "BODY[TEXT]"],
    ["BODY[3]", { path: [3], kind: "" }, "BODY[3]"],
    ["BODY[3.HEADER]", { path: [3], kind: "HEADER" }, "BODY[3.HEADER]"],
    ["BODY[4.2.TEXT]", { path: [4, 2], kind: "TEXT" }, "BODY[4.2.TEXT]"],
    ["BODY[4.1.MIME]", { path: [4, 1], kind: "MIME" }, "BODY[4.1.MIME]"],
    [
      "BODY[3.HEADER.FIELDS.NOT (Received)]",
      { path: [3], kind: "HEADER.FIELDS.NOT", fields: ["RECEIVED"] },
      "BODY[3.HEADER.FIELDS.NOT (RECEIVED)]",
    ],
  ])("section %s", (att, section, name) => {
    const [item] = fetch(`a FETCH 1 ${att}`).items;
    expect(item).toEqual({ kind: "bodySection", peek: false, section, name });
  });

  it("answers partial fetches with the start only (BODY[]<0>)", () => {
    expect(names("a FETCH 1 (BODY.PEEK[]<0.2048> BODY[TEXT]<100.50>)")).toEqual(["BODY[]<0>", "BODY[TEXT]<100>"]);
  });

  it("parses RFC822 forms and knows which set \\Seen", () => {
    expect(fetch("a FETCH 1 RFC822").setsSeen).toBe(true);
    expect(fetch("a FETCH 1 RFC822.TEXT").setsSeen).toBe(true);
    expect(fetch("a FETCH 1 RFC822.HEADER").setsSeen).toBe(false);
    expect(fetch("a FETCH 1 BODY.PEEK[]").setsSeen).toBe(false);
    expect(fetch("a FETCH 1 BODY[HEADER]").setsSeen).toBe(true);
    expect(fetch("a FETCH 1 (BODY.PEEK[] BODY[])").setsSeen).toBe(true);
    expect(fetch("a FETCH 1 BINARY[1]").setsSeen).toBe(true);
    expect(fetch("a FETCH 1 BINARY.PEEK[1]").setsSeen).toBe(false);
    expect(fetch("a FETCH 1 (FLAGS ENVELOPE BODYSTRUCTURE)").setsSeen).toBe(false);
  });

  it("says when the header block alone is enough", () => {
    expect(fetch("a FETCH 1 RFC822.HEADER").needs).toMatchObject({ header: true, body: false });
    expect(fetch("a FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]").needs).toMatchObject({
      header: true,
      body: false,
    });
    expect(fetch("a FETCH 1 (RFC822.HEADER BODY.PEEK[TEXT])").needs).toMatchObject({
      header: true,
      body: true,
    });
    // A nested message's header is inside the body.
    expect(fetch("a FETCH 1 BODY.PEEK[2.HEADER]").needs).toMatchObject({ header: false, body: true });
    expect(fetch("a FETCH 1 (UID RFC822.SIZE INTERNALDATE)").needs).toEqual({
      flags: false,
      envelope: false,
      bodyStructure: false,
      modseq: false,
      header: false,
      body: false,
    });
  });

  it("parses BINARY, BINARY.PEEK and BINARY.SIZE (RFC 3516)", () => {
    expect(fetch("a FETCH 1 (BINARY[1.2]<0.100> BINARY.PEEK[] BINARY.SIZE[3])").items).toEqual([
      { kind: "binary", peek: false, path: [1, 2], partial: { start: 0, length: 100 }, name: "BINARY[1.2]<0>" },
      { kind: "binary", peek: true, path: [], name: "BINARY[]" },
      { kind: "binarySize", path: [3], name: "BINARY.SIZE[3]" },
    ]);
  });

  it("adds UID to UID FETCH and de-duplicates items", () => {
    expect(names("a UID FETCH 1:* FLAGS")).toEqual(["FLAGS", "UID"]);
    expect(names("a UID FETCH 1:* (UID FLAGS)")).toEqual(["UID", "FLAGS"]);
    expect(names("a FETCH 1 (FLAGS FLAGS BODY.PEEK[] BODY[])")).toEqual(["FLAGS", "BODY[]"]);
  });

  it("parses CHANGEDSINCE and VANISHED (RFC 7162) and adds MODSEQ", () => {
    const r = fetch("a UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)");
    expect(r.changedSince).toBe(12345);
    expect(r.vanished).toBe(true);
    expect(r.items.map((i) => i.name)).toEqual(["FLAGS", "UID", "MODSEQ"]);
    expect(r.needs.modseq).toBe(true);
    const plain = fetch("a FETCH 1:* FLAGS (changedsince 9223372036854775807)");
    expect(plain.changedSince).toBe(Number(9223372036854775807n));
    expect(plain.vanished).toBe(false);
    expect(fetch("a FETCH 1 FLAGS").changedSince).toBeUndefined();
  });

  it.each([
    ["a FETCH 1", "missing FETCH attributes"],
    ["a FETCH 1 ()", "empty FETCH attribute list"],
    ["a FETCH 1 (FLAGS ALL)", "ALL is a macro and must be used alone"],
    ["a FETCH 1 (FAST)", "FAST is a macro and must be used alone"],
    ["a FETCH 1 FOO", "unknown FETCH attribute FOO"],
    ["a FETCH 1 (FLAGS BODY.STRUCTURE)", "unknown FETCH attribute BODY.STRUCTURE"],
    ['a FETCH 1 ("FLAGS")', "FETCH attributes must be atoms"],
    ["a FETCH 1 ((FLAGS))", "FETCH attributes must be atoms"],
    ["a FETCH 1 BODY.PEEK", "BODY.PEEK needs a [section]"],
    ["a FETCH 1 BINARY", "BINARY needs a [section]"],
    ["a FETCH 1 BODY[MIME]", "MIME section needs a part number"],
    ["a FETCH 1 BODY[HEADER.FIELDS]", "HEADER.FIELDS needs a list of header field names"],
    ["a FETCH 1 BODY[HEADER.FIELDS ()]", "HEADER.FIELDS needs at least one header field name"],
    ["a FETCH 1 BODY[HEADER.FIELDS.NOT ()]", "HEADER.FIELDS.NOT needs at least one header field name"],
    ["a FETCH 1 BODY[HEADER.FIELDS (A:B)]", "invalid header field name"],
    ["a FETCH 1 BODY[HEADER.FIELDS ((A))]", "header field names must be atoms or strings"],
    ["a FETCH 1 BODY[HEADER (FROM)]", "unexpected text in section"],
    ["a FETCH 1 BODY[TEXT TEXT]", "unexpected text in section"],
    ["a FETCH 1 BODY[0]", "section part numbers start at 1"],
    ["a FETCH 1 BODY[1.0.TEXT]", "section part numbers start at 1"],
    ["a FETCH 1 BODY[01]", "invalid section part number"],
    ["a FETCH 1 BODY[1..2]", "invalid section 1..2"],
    ["a FETCH 1 BODY[1.]", "invalid section 1."],
    ["a FETCH 1 BODY[1.FOO]", "invalid section 1.FOO"],
    ["a FETCH 1 BODY[HEADER.TEXT]", "invalid section HEADER.TEXT"],
    ['a FETCH 1 BODY["1"]', "invalid section"],
    ["a FETCH 1 BODY[]<0>", "partial needs <start.length>"],
    ["a FETCH 1 BODY[]<0.0>", "partial length must not be 0"],
    ["a FETCH 1 BODY[]<0.4294967296>", "partial too large"],
    ["a FETCH 1 BINARY[TEXT]", "invalid section part number"],
    ["a FETCH 1 BINARY[1 2]", "invalid BINARY section"],
    ["a FETCH 1 BINARY.SIZE[1]<0.10>", "BINARY.SIZE takes no partial"],
    ["a FETCH 1 FLAGS (CHANGEDSINCE)", "expected CHANGEDSINCE mod-sequence"],
    ["a FETCH 1 FLAGS (CHANGEDSINCE x)", "expected CHANGEDSINCE mod-sequence"],
    ["a FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)", "CHANGEDSINCE given twice"],
    ["a FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)", "VANISHED is only allowed in UID FETCH"],
    ["a UID FETCH 1 FLAGS (VANISHED)", "VANISHED needs CHANGEDSINCE"],
    ["a UID FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED VANISHED)", "VANISHED given twice"],
    ["a FETCH 1 FLAGS (PRIORITY 1)", "unknown FETCH modifier PRIORITY"],
    ["a FETCH 1 FLAGS ()", "empty FETCH modifier list"],
    ["a FETCH 1 FLAGS CHANGEDSINCE", "expected a parenthesised list of FETCH modifiers"],
    ["a FETCH 1 FLAGS (CHANGEDSINCE 1) x", "too many arguments"],
  ])("rejects %s", (line, reason) => {
    expect(() => fetch(line)).toThrow(ParseError);
    expect(() => fetch(line)).toThrow(reason);
  });
});
