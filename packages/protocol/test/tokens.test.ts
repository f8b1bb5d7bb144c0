import { describe, expect, it } from "vitest";
import { type RawCommand, tokenize } from "../src/index.ts";
import type { Token } from "../src/wire/tokens.ts";

const cmd = (lines: string[], literals: string[] = []): RawCommand => ({
  lines: lines.map((l) => Buffer.from(l, "utf8")),
  literals: literals.map((l) => Buffer.from(l, "utf8")),
});

/** A readable form of tokens for assertions. */
function show(t: Token): unknown {
  switch (t.type) {
    case "atom":
      return t.section ? { atom: t.value, section: t.section.map(show), partial: t.partial } : t.value;
    case "string":
      return { str: t.value.toString("utf8"), literal: t.literal };
    case "list":
      return t.items.map(show);
  }
}

const parse = (lines: string[], literals?: string[]) => {
  const r = tokenize(cmd(lines, literals));
  return { tag: r.tag, tokens: r.tokens.map(show) };
};

describe("tokenize", () => {
  it("reads atoms, quoted strings with escapes, and lists", () => {
    expect(parse(['a1 LOGIN "ana@x.test" "p\\"w\\\\d"'])).toEqual({
      tag: "a1",
      tokens: ["LOGIN", { str: "ana@x.test", literal: false }, { str: 'p"w\\d', literal: false }],
    });
    expect(parse(["a STORE 1:* +FLAGS (\\Seen \\Flagged $Label1)"]).tokens).toEqual([
      "STORE",
      "1:*",
      "+FLAGS",
      ["\\Seen", "\\Flagged", "$Label1"],
    ]);
  });

  it("reads BODY[section]<partial> as one token", () => {
    expect(parse(["a FETCH 1 (BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.2048> BODY[1.2.MIME] BODY[])"]).tokens).toEqual([
      "FETCH",
      "1",
      [
        { atom: "BODY.PEEK", section: ["HEADER.FIELDS", ["FROM", "TO"]], partial: { start: 0, length: 2048 } },
        { atom: "BODY", section: ["1.2.MIME"], partial: undefined },
        { atom: "BODY", section: [], partial: undefined },
      ],
    ]);
  });

  it("keeps brackets in ordinary astrings (Gmail's [Gmail]/Sent)", () => {
    expect(parse(["a SELECT [Gmail]/Sent"]).tokens).toEqual(["SELECT", "[Gmail]/Sent"]);
  });

  it("substitutes literals in place", () => {
    expect(parse(["a LOGIN {3}", " {4+}", ""], ["ana", "pa ss"]).tokens).toEqual([
      "LOGIN",
      { str: "ana", literal: true },
      { str: "pa ss", literal: true },
    ]);
  });

  it.each([
    ['a LOGIN "unterminated', "unterminated quoted string"],
    ["a FETCH 1 (FLAGS", "missing )"],
    ["a FETCH 1 FLAGS)", "unexpected )"],
    ['a LOGIN "bad\\escape"', "invalid escape in quoted string"],
    ["+ NOOP", "invalid tag"],
    [`a SEARCH ${"(".repeat(40)}ALL${")".repeat(40)}`, "too deeply nested"],
    ["a FETCH 1 BODY[TEXT]<x>", "invalid partial <start.length>"],
  ])("rejects %s", (line, message) => {
    expect(() => tokenize(cmd([line]))).toThrow(message);
  });
});
