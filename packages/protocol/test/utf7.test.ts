import { describe, expect, it } from "vitest";
import { decodeMailboxName, encodeMailboxName, isValidMailboxName } from "../src/utf7.ts";
import { ParseError, tokenize } from "../src/wire/tokens.ts";

/** The mailbox argument of `a SELECT <name>` as the tokenizer gives it. */
const mailboxArg = (line: string): string => {
  const t = tokenize({ lines: [Buffer.from(line, "latin1")], literals: [] }).tokens[1];
  return t.type === "atom" ? t.value : t.type === "string" ? t.value.toString("latin1") : "";
};

describe("modified UTF-7 mailbox names", () => {
  it.each([
    ["INBOX", "INBOX"],
    ["", ""],
    ["Entwürfe", "Entw&APw-rfe"],
    // RFC 3501 §5.1.3 example
    ["~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"],
    ["&", "&-"],
    ["Tom & Jerry", "Tom &- Jerry"],
    ["A&B&&", "A&-B&-&-"],
    ["Smileys 😀🎉", "Smileys &2D3eANg834k-"],
    ["Ünïcödé", "&ANw-n&AO8-c&APY-d&AOk-"],
    ["日本語&テスト", "&ZeVnLIqe-&-&MMYwuTDI-"],
    ["tab\there", "tab&AAk-here"],
    ["[Gmail]/Sent Mail", "[Gmail]/Sent Mail"],
  ])("%j ⇄ %s", (utf8, wire) => {
    expect(encodeMailboxName(utf8)).toBe(wire);
    expect(decodeMailboxName(wire)).toBe(utf8);
  });

  it("round-trips CJK, emoji and mixed text", () => {
    for (const name of ["中文邮件/收件箱", "👨‍👩‍👧‍👦 family", "Ελληνικά & русский/עברית", "a😀b", "😀", "~&~"]) {
      const wire = encodeMailboxName(name);
      expect(wire).toMatch(/^[\x20-\x7e]*$/);
      expect(decodeMailboxName(wire)).toBe(name);
    }
  });

  it("decodes names read by the tokenizer from a command line", () => {
    expect(decodeMailboxName(mailboxArg('a SELECT "~peter/mail/&U,BTFw-/&ZeVnLIqe-"'))).toBe("~peter/mail/台北/日本語");
    expect(decodeMailboxName(mailboxArg("a SELECT Entw&APw-rfe"))).toBe("Entwürfe");
  });

  it.each([
    ["&", "unterminated &-sequence"],
    ["Entw&APw", "unterminated &-sequence"],
    ["&A-", "bad base64 length"],
    ["&AP-", "bad base64 length"],
    ["&APwA-", "bad base64 length"],
    ["&AP!-", "bad character in &-sequence"],
    ["&AP/-", "bad character in &-sequence"],
    ["&APx-", "non-zero padding bits"],
    ["&AGE-", "printable ASCII must not be encoded"], // "a" encoded
    ["&ACY-", "printable ASCII must not be encoded"], // "&" must be "&-"
    ["&AAA-", "encoded NUL"],
    ["&2D0-", "unpaired surrogate"], // high surrogate alone
    ["&3gA-", "unpaired surrogate"], // low surrogate alone
    ["&APw-&APw-", "adjacent &-sequences"], // must be one run: &APwA,A-
    ["Entw\u00fcrfe", "8-bit or control character"],
    ["a\tb", "8-bit or control character"],
  ])("rejects %j (%s)", (wire, reason) => {
    expect(() => decodeMailboxName(wire)).toThrow(ParseError);
    expect(() => decodeMailboxName(wire)).toThrow(reason);
    expect(isValidMailboxName(wire)).toBe(false);
  });

  it("accepts a run followed by &- and two runs split by text", () => {
    expect(decodeMailboxName("&APw-&-&APw-")).toBe("ü&ü");
    expect(decodeMailboxName("&APwA,A-")).toBe("üü");
    expect(decodeMailboxName("&APw-x&APw-")).toBe("üxü");
    expect(isValidMailboxName("INBOX/&APw-")).toBe(true);
  });

  it("refuses to encode lone surrogates", () => {
    expect(() => encodeMailboxName("a\ud800b")).toThrow("unpaired surrogate");
    expect(() => encodeMailboxName("\udc00")).toThrow("unpaired surrogate");
  });
});
