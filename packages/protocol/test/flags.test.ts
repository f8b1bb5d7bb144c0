import { describe, expect, it } from "vitest";
import { formatFlags, parseFlags, parseKeyword, systemFlag } from "../src/flags.ts";
import { MAX_KEYWORD_LENGTH, MAX_KEYWORDS } from "../src/limits.ts";
import { ParseError, type Token, tokenize } from "../src/wire/tokens.ts";

const args = (line: string): Token[] => tokenize({ lines: [Buffer.from(line, "utf8")], literals: [] }).tokens.slice(1);

/** Flags of `a STORE 1 +FLAGS <flags>` (everything after the item name). */
const store = (flags: string) => {
  const r = parseFlags(args(`a STORE 1 +FLAGS ${flags}`).slice(2));
  return { system: [...r.system].sort(), keywords: r.keywords };
};

/** The flag-list of `a APPEND INBOX <list> {3}`. */
const append = (list: string) => parseFlags(args(`a APPEND INBOX ${list} "abc"`)[1]);

describe("parseFlags", () => {
  it("reads a parenthesised list, bare flags, and an empty list", () => {
    expect(store("(\\Seen \\Flagged $Label1)")).toEqual({ system: ["\\Flagged", "\\Seen"], keywords: ["$Label1"] });
    expect(store("\\Seen \\Deleted")).toEqual({ system: ["\\Deleted", "\\Seen"], keywords: [] });
    expect(store("$Forwarded")).toEqual({ system: [], keywords: ["$Forwarded"] });
    expect(store("()")).toEqual({ system: [], keywords: [] });
    expect([...append("(\\Draft)").system]).toEqual(["\\Draft"]);
  });

  it("normalises system flags to canonical case", () => {
    expect(store("(\\SEEN \\answered \\fLaGgEd \\DRAFT \\deleted)").system).toEqual([
      "\\Answered",
      "\\Deleted",
      "\\Draft",
      "\\Flagged",
      "\\Seen",
    ]);
    expect(systemFlag("\\sEEn")).toBe("\\Seen");
    expect(systemFlag("\\Recent")).toBeUndefined();
  });

  it("keeps keyword case and drops case-insensitive duplicates (first spelling wins)", () => {
    expect(store("($Label1 $LABEL1 NonJunk nonjunk $label2)").keywords).toEqual(["$Label1", "NonJunk", "$label2"]);
  });

  it("accepts every atom character", () => {
    expect(store("(a!#$&'+,-./09:;<=>?@AZ[^_`az|}~)").keywords).toEqual(["a!#$&'+,-./09:;<=>?@AZ[^_`az|}~"]);
  });

  it.each([
    ["(\\Recent)", "\\Recent can't be set"],
    ["\\recent", "\\Recent can't be set"],
    ["(\\Important)", "unknown system flag \\Important"],
    ["(\\*)", "unknown system flag \\*"],
    ['("$Label1")', "flags must be atoms"],
    ["((\\Seen))", "flags must be atoms"],
    ["(a%b)", 'invalid keyword "a%b"'],
    ["(a*)", 'invalid keyword "a*"'],
    ["(a]b)", 'invalid keyword "a]b"'],
    ["(caf\u00e9)", 'invalid keyword "café"'],
  ])("rejects %s", (flags, reason) => {
    expect(() => store(flags)).toThrow(ParseError);
    expect(() => store(flags)).toThrow(reason);
  });

  it("rejects a missing flag list", () => {
    expect(() => parseFlags([])).toThrow("missing flags");
  });

  it("enforces keyword length and count limits", () => {
    const long = "k".repeat(MAX_KEYWORD_LENGTH);
    expect(store(`(${long})`).keywords).toEqual([long]);
    expect(() => store(`(${long}x)`)).toThrow(`keyword longer than ${MAX_KEYWORD_LENGTH} characters`);
    const many = Array.from({ length: MAX_KEYWORDS }, (_, i) => `k${i}`);
    expect(store(`(${many.join(" ")})`).keywords).toHaveLength(MAX_KEYWORDS);
    expect(() => store(`(${many.join(" ")} extra)`)).toThrow(`more than ${MAX_KEYWORDS} keywords`);
    // Duplicates don't count towards the limit.
    expect(store(`(${many.join(" ")} K0 K1)`).keywords).toHaveLength(MAX_KEYWORDS);
  });

  it("validates single keywords", () => {
    expect(parseKeyword("$MDNSent")).toBe("$MDNSent");
    expect(() => parseKeyword("")).toThrow("empty keyword");
    expect(() => parseKeyword("a b")).toThrow("invalid keyword");
    expect(() => parseKeyword("\\Seen")).toThrow("invalid keyword");
  });
});

describe("formatFlags", () => {
  it("lists system flags in a fixed order, then \\Recent, keywords and \\*", () => {
    expect(formatFlags({ system: new Set(["\\Seen", "\\Answered"] as const), keywords: ["$Label1"] })).toBe(
      "(\\Answered \\Seen $Label1)",
    );
    expect(formatFlags({ system: [], keywords: [] })).toBe("()");
    expect(formatFlags({ system: ["\\Draft"], keywords: [] }, { recent: true })).toBe("(\\Draft \\Recent)");
    expect(
      formatFlags(
        { system: ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"], keywords: [] },
        { wildcard: true },
      ),
    ).toBe("(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)");
  });

  it("round-trips through parseFlags", () => {
    const parsed = store("(\\Seen $Work \\Flagged)");
    expect(formatFlags(parsed)).toBe("(\\Flagged \\Seen $Work)");
  });
});
