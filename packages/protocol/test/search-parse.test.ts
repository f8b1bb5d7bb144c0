import { describe, expect, it } from "vitest";
import {
  BadCharsetError,
  MAX_SEARCH_DEPTH,
  MAX_SEARCH_KEYS,
  type ParseSearchOptions,
  parseSearch,
  parseSearchDate,
  type SearchKey,
} from "../src/search/index.ts";
import { ParseError, tokenize } from "../src/wire/tokens.ts";

/**
 * Parse a real SEARCH / UID SEARCH command. Lines after the first follow a
 * literal; `literals[i]` is the literal announced at the end of `lines[i]`.
 */
const search = (line: string | string[], literals: Buffer[] = [], opts?: ParseSearchOptions) => {
  const lines = (typeof line === "string" ? [line] : line).map((l) => Buffer.from(l, "utf8"));
  const tokens = tokenize({ lines, literals }).tokens;
  const uid = tokens[0].type === "atom" && tokens[0].value.toUpperCase() === "UID";
  return parseSearch(tokens.slice(uid ? 2 : 1), opts);
};

const key = (criteria: string): SearchKey => search(`a SEARCH ${criteria}`).key;

describe("parseSearch", () => {
  it("parses flag keys", () => {
    expect(key("ANSWERED")).toEqual({ type: "flag", flag: "\\Answered", present: true });
    expect(key("unseen")).toEqual({ type: "flag", flag: "\\Seen", present: false });
    const all = [
      ["DELETED", "\\Deleted", true],
      ["DRAFT", "\\Draft", true],
      ["FLAGGED", "\\Flagged", true],
      ["SEEN", "\\Seen", true],
      ["UNANSWERED", "\\Answered", false],
      ["UNDELETED", "\\Deleted", false],
      ["UNDRAFT", "\\Draft", false],
      ["UNFLAGGED", "\\Flagged", false],
    ] as const;
    for (const [name, flag, present] of all) expect(key(name)).toEqual({ type: "flag", flag, present });
  });

  it("parses ALL, RECENT, NEW and OLD", () => {
    expect(key("ALL")).toEqual({ type: "all" });
    expect(key("RECENT")).toEqual({ type: "recent" });
    expect(key("NEW")).toEqual({
      type: "and",
      keys: [{ type: "recent" }, { type: "flag", flag: "\\Seen", present: false }],
    });
    expect(key("OLD")).toEqual({ type: "not", key: { type: "recent" } });
  });

  it("parses string keys as atoms, quoted strings and literals", () => {
    expect(key('FROM "Smith"')).toEqual({ type: "envelope", field: "from", value: "Smith" });
    expect(key("TO ana@x.test")).toEqual({ type: "envelope", field: "to", value: "ana@x.test" });
    expect(key('CC ""')).toEqual({ type: "envelope", field: "cc", value: "" });
    expect(key("BCC b")).toEqual({ type: "envelope", field: "bcc", value: "b" });
    expect(key('SUBJECT "re: \\"hi\\""')).toEqual({ type: "envelope", field: "subject", value: 're: "hi"' });
    expect(key("BODY hello")).toEqual({ type: "body", value: "hello" });
    expect(key('TEXT "two words"')).toEqual({ type: "text", value: "two words" });
    expect(key('HEADER Message-ID "<abc@x>"')).toEqual({ type: "header", field: "message-id", value: "<abc@x>" });
    expect(key('HEADER "X-Spam" ""')).toEqual({ type: "header", field: "x-spam", value: "" });
    // RFC 3501 §6.4.4 example: CHARSET UTF-8 with an 8-bit literal.
    const r = search(["a SEARCH CHARSET UTF-8 TEXT {6}", ""], [Buffer.from("Zürich", "utf8").subarray(0, 6)]);
    expect(r.charset).toBe("UTF-8");
    expect(r.key).toEqual({ type: "text", value: "Züric" });
    expect(search(["a SEARCH SUBJECT {5+}", ""], [Buffer.from("日本", "utf8").subarray(0, 6)]).key).toEqual({
      type: "envelope",
      field: "subject",
      value: "日本",
    });
  });

  it("parses dates (1- or 2-digit day, month in any case, quoted or not)", () => {
    expect(key("SINCE 1-Feb-1994")).toEqual({
      type: "internalDate",
      op: "since",
      date: { year: 1994, month: 2, day: 1 },
    });
    expect(key('BEFORE "01-jan-2024"')).toEqual({
      type: "internalDate",
      op: "before",
      date: { year: 2024, month: 1, day: 1 },
    });
    expect(key("ON 29-FEB-2024")).toMatchObject({ type: "internalDate", op: "on" });
    expect(key("SENTBEFORE 31-Dec-1999")).toEqual({
      type: "sentDate",
      op: "before",
      date: { year: 1999, month: 12, day: 31 },
    });
    expect(key("SENTON 5-May-2020")).toMatchObject({ type: "sentDate", op: "on" });
    expect(key("SENTSINCE 5-May-2020")).toMatchObject({ type: "sentDate", op: "since" });
  });

  it("parses sizes, keywords, UID and sequence sets", () => {
    expect(key("LARGER 50000")).toEqual({ type: "size", op: "larger", size: 50000 });
    expect(key("SMALLER 0")).toEqual({ type: "size", op: "smaller", size: 0 });
    expect(key("KEYWORD $Label1")).toEqual({ type: "keyword", keyword: "$Label1", present: true });
    expect(key("UNKEYWORD NonJunk")).toEqual({ type: "keyword", keyword: "NonJunk", present: false });
    expect(key("UID 1:5,7")).toEqual({
      type: "uid",
      set: {
        ranges: [
          { start: 1, end: 5 },
          { start: 7, end: 7 },
        ],
        hasStar: false,
      },
    });
    expect(key("2,4:7,9,12:*")).toMatchObject({ type: "seq", set: { hasStar: true } });
    expect(key("*")).toMatchObject({ type: "seq" });
  });

  it("parses NOT, OR, groups and implicit AND", () => {
    // RFC 3501 §6.4.4 example
    expect(key('FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"')).toEqual({
      type: "and",
      keys: [
        { type: "flag", flag: "\\Flagged", present: true },
        { type: "internalDate", op: "since", date: { year: 1994, month: 2, day: 1 } },
        { type: "not", key: { type: "envelope", field: "from", value: "Smith" } },
      ],
    });
    expect(key("OR SEEN (FLAGGED DELETED)")).toEqual({
      type: "or",
      left: { type: "flag", flag: "\\Seen", present: true },
      right: {
        type: "and",
        keys: [
          { type: "flag", flag: "\\Flagged", present: true },
          { type: "flag", flag: "\\Deleted", present: true },
        ],
      },
    });
    expect(key("(SEEN)")).toEqual({ type: "flag", flag: "\\Seen", present: true });
    expect(key("OR OR SEEN FLAGGED DELETED")).toMatchObject({
      type: "or",
      left: { type: "or" },
      right: { type: "flag", flag: "\\Deleted" },
    });
  });

  it("parses MODSEQ with and without an entry (RFC 7162 §3.1.5)", () => {
    expect(key("MODSEQ 720162338")).toEqual({ type: "modseq", modseq: 720162338 });
    expect(key('MODSEQ "/flags/\\\\draft" all 620162338')).toEqual({
      type: "modseq",
      modseq: 620162338,
      entry: { name: "/flags/\\draft", type: "all" },
    });
    expect(key('MODSEQ "/flags/$mdnsent" PRIV 0')).toMatchObject({ entry: { type: "priv" }, modseq: 0 });
    expect(key("OR NOT MODSEQ 720162338 LARGER 50000")).toMatchObject({ type: "or", left: { type: "not" } });
  });

  it("parses CHARSET", () => {
    expect(search("a SEARCH ALL").charset).toBe("US-ASCII");
    expect(search("a SEARCH CHARSET us-ascii ALL").charset).toBe("US-ASCII");
    expect(search('a SEARCH CHARSET "UTF-8" ALL').charset).toBe("UTF-8");
    expect(search("a SEARCH ALL", [], { utf8Accept: true }).charset).toBe("UTF-8");
    expect(search("a SEARCH CHARSET UTF-8 ALL", [], { utf8Accept: true }).charset).toBe("UTF-8");
  });

  it("refuses other charsets with BadCharsetError (→ NO [BADCHARSET]), not ParseError", () => {
    let err: unknown;
    try {
      search("a SEARCH CHARSET KOI8-R TEXT x");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadCharsetError);
    expect(err).not.toBeInstanceOf(ParseError);
    expect((err as BadCharsetError).responseCode).toBe("BADCHARSET (UTF-8 US-ASCII)");
    expect((err as BadCharsetError).message).toBe("KOI8-R is not supported");
    expect((err as BadCharsetError).charset).toBe("KOI8-R");
    // After ENABLE UTF8=ACCEPT another charset is a conflicting label: BAD (RFC 6855 §3).
    expect(() => search("a SEARCH CHARSET US-ASCII ALL", [], { utf8Accept: true })).toThrow(
      "CHARSET conflicts with UTF8=ACCEPT",
    );
  });

  it("parses RETURN options (RFC 4731)", () => {
    expect(search("a SEARCH RETURN (MIN COUNT) FLAGGED").returnOptions).toEqual({
      min: true,
      max: false,
      count: true,
      all: false,
    });
    expect(search("a SEARCH RETURN () FLAGGED").returnOptions).toEqual({
      min: false,
      max: false,
      count: false,
      all: true,
    });
    expect(search("a UID SEARCH RETURN (min max all count) CHARSET UTF-8 1:5000").returnOptions).toEqual({
      min: true,
      max: true,
      count: true,
      all: true,
    });
    expect(search("a SEARCH FLAGGED").returnOptions).toBeUndefined();
  });

  it.each([
    ["", "missing search criteria"],
    ["CHARSET UTF-8", "missing search criteria"],
    ["RETURN (MIN)", "missing search criteria"],
    ["CHARSET", "CHARSET needs a name"],
    ["CHARSET (UTF-8) ALL", "CHARSET needs a name"],
    ["RETURN MIN ALL", "RETURN needs a parenthesised list"],
    ["RETURN (SAVE) ALL", "RETURN (SAVE) is not supported"],
    ["RETURN (MIN FOO) ALL", "unknown RETURN option FOO"],
    ["CHARSET UTF-8 RETURN (MIN) ALL", "unknown search key RETURN"],
    ["FOO", "unknown search key FOO"],
    ["SEEN BODY[]", "unknown search key BODY"],
    ['"SEEN"', "unexpected string where a search key was expected"],
    ["()", "empty search key list"],
    ["NOT", "missing search key"],
    ["OR SEEN", "missing search key"],
    ["FROM", "FROM needs a string"],
    ["FROM (x)", "FROM needs a string"],
    ["HEADER", "HEADER field name needs a string"],
    ["HEADER Subject", "HEADER needs a string"],
    ['HEADER "Sub ject" x', "invalid HEADER field name"],
    ['HEADER "X:Y" x', "invalid HEADER field name"],
    ["SINCE", "SINCE needs a date"],
    ["SINCE 1994-02-01", "invalid date (expected d-Mon-yyyy)"],
    ["SINCE 1-Feb-94", "invalid date (expected d-Mon-yyyy)"],
    ["SINCE 123-Feb-1994", "invalid date (expected d-Mon-yyyy)"],
    ["ON 1-Foo-1994", "invalid month in date"],
    ["ON 30-Feb-2024", "invalid day in date"],
    ["ON 29-Feb-2023", "invalid day in date"],
    ["ON 0-Jan-2024", "invalid day in date"],
    ["ON 31-Apr-2024", "invalid day in date"],
    ["LARGER", "expected LARGER size"],
    ["LARGER -1", "expected LARGER size"],
    ["SMALLER 4294967296", "SMALLER size too large"],
    ['LARGER "10"', "expected LARGER size"],
    ["KEYWORD", "KEYWORD needs a keyword"],
    ['KEYWORD "$Label1"', "KEYWORD needs a keyword"],
    ["KEYWORD a%b", 'invalid keyword "a%b"'],
    ["UID", "missing UID set"],
    ["UID 0", "invalid UID set: 0 is not a valid number"],
    ["1:0", "invalid sequence set: 0 is not a valid number"],
    ["$", "$ (SEARCHRES) is not supported"],
    ["MODSEQ", "expected MODSEQ value"],
    ["MODSEQ x", "expected MODSEQ value"],
    ["MODSEQ 9223372036854775808", "MODSEQ value too large"],
    ['MODSEQ "/flags/\\\\seen" 5', "MODSEQ entry type must be priv, shared or all"],
    ['MODSEQ "/flags/\\\\seen" any 5', "MODSEQ entry type must be priv, shared or all"],
    ['MODSEQ "/annotations/x" all 5', "invalid MODSEQ entry name"],
  ])("rejects SEARCH %s", (criteria, reason) => {
    expect(() => search(`a SEARCH ${criteria}`.trimEnd())).toThrow(ParseError);
    expect(() => search(`a SEARCH ${criteria}`.trimEnd())).toThrow(reason);
  });

  it("rejects invalid UTF-8 in strings", () => {
    expect(() => search(["a SEARCH TEXT {2}", ""], [Buffer.from([0xc3, 0x28])])).toThrow(
      "TEXT string is not valid UTF-8",
    );
  });

  it("limits nesting and the number of keys", () => {
    expect(() => key(`${"NOT ".repeat(MAX_SEARCH_DEPTH)}SEEN`)).not.toThrow();
    expect(() => key(`${"NOT ".repeat(MAX_SEARCH_DEPTH + 1)}SEEN`)).toThrow("search keys too deeply nested");
    expect(() => key(`${"OR ".repeat(MAX_SEARCH_DEPTH + 1)}${"SEEN ".repeat(MAX_SEARCH_DEPTH + 2)}`)).toThrow(
      "search keys too deeply nested",
    );
    expect(() => key("SEEN ".repeat(MAX_SEARCH_KEYS))).not.toThrow();
    expect(() => key("SEEN ".repeat(MAX_SEARCH_KEYS + 1))).toThrow("too many search keys");
    expect(() => key(`(${"SEEN ".repeat(MAX_SEARCH_KEYS)})`)).toThrow("too many search keys");
  });
});

describe("parseSearchDate", () => {
  it("accepts leap days and rejects impossible dates", () => {
    expect(parseSearchDate("29-Feb-2000")).toEqual({ year: 2000, month: 2, day: 29 });
    expect(() => parseSearchDate("29-Feb-1900")).toThrow("invalid day in date");
    expect(parseSearchDate("9-sep-2025")).toEqual({ year: 2025, month: 9, day: 9 });
  });
});
