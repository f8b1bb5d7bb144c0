// ENVELOPE (RFC 3501 §7.4.2) and RFC 5322 address lists. Expected values
// are what Dovecot 2.3.19 returns for the same header (checked against a
// private instance); where we differ it is said.
import { describe, expect, it } from "vitest";
import { envelopeValue, parseEnvelope } from "../src/mime/index.ts";
import { encodeToString } from "../src/wire/encoder.ts";
import { checkEnvelope } from "./fixtures/mime/wire-grammar.ts";

const envelope = (header: string): string => {
  const wire = encodeToString([envelopeValue(parseEnvelope(Buffer.from(header.replace(/\n/g, "\r\n"), "utf8")))]);
  checkEnvelope(wire);
  return wire;
};

/** The To: list of an envelope built from one To: field. */
const to = (value: string): string => {
  const m = /^\(NIL NIL NIL NIL NIL (.*) NIL NIL NIL NIL\)$/s.exec(envelope(`To: ${value}\n\n`));
  if (!m) throw new Error("unexpected envelope shape");
  return m[1];
};

describe("ENVELOPE fields", () => {
  it("takes date, subject, message-id and in-reply-to as sent, from the header only", () => {
    expect(
      envelope(
        "Date: Thu, 13 Feb 1969 23:32:54 -0330\nSubject:   spaced   subject  \nMessage-ID:  <1234@local.machine.example> \nIn-Reply-To: <a@b> <c@d>\n\nSubject: not this\n",
      ),
    ).toBe(
      '("Thu, 13 Feb 1969 23:32:54 -0330" "spaced subject" NIL NIL NIL NIL NIL NIL "<a@b> <c@d>" "<1234@local.machine.example> ")',
    );
  });

  it("unfolds, squeezes white space in the subject only, and keeps encoded words raw", () => {
    expect(
      envelope("Subject: =?UTF-8?B?w6k=?=\n  =?UTF-8?B?w6k=?=\tx\nDate:  x  y \nMessage-ID: <x@y>\n (comment)\n\n"),
    ).toBe('("x  y " "=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?= x" NIL NIL NIL NIL NIL NIL NIL "<x@y> (comment)")');
  });

  it("is all NIL without the fields, and keeps an empty field as an empty string", () => {
    expect(envelope("X-Other: 1\n\nbody")).toBe("(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
    expect(envelope("Subject:\nIn-Reply-To:\nMessage-ID:\nFrom:\n\n")).toBe('(NIL "" NIL NIL NIL NIL NIL NIL "" "")');
  });

  it("defaults Sender and Reply-To to From when absent or empty (RFC 3501 §7.4.2)", () => {
    expect(envelope("From: Ana <ana@x.test>\nSender:\nReply-To: (nobody)\n\n")).toBe(
      '(NIL NIL (("Ana" NIL "ana" "x.test")) (("Ana" NIL "ana" "x.test")) (("Ana" NIL "ana" "x.test")) NIL NIL NIL NIL NIL)',
    );
    expect(envelope("From: a@x.test\nSender: s@x.test\nReply-To: r@x.test\n\n")).toBe(
      '(NIL NIL ((NIL NIL "a" "x.test")) ((NIL NIL "s" "x.test")) ((NIL NIL "r" "x.test")) NIL NIL NIL NIL NIL)',
    );
  });

  it("uses the last Date/Subject/Message-ID/In-Reply-To and adds up repeated address fields, as Dovecot does", () => {
    expect(
      envelope(
        "Date: first\nDate: second\nSubject: one\nSubject: two\nFrom: a@b\nFrom: c@d\nMessage-ID: <1@x>\nMessage-ID: <2@x>\n\n",
      ),
    ).toBe(
      '("second" "two" ((NIL NIL "a" "b")(NIL NIL "c" "d")) ((NIL NIL "a" "b")(NIL NIL "c" "d")) ((NIL NIL "a" "b")(NIL NIL "c" "d")) NIL NIL NIL NIL "<2@x>")',
    );
  });

  it("writes 8-bit header text (RFC 6532 UTF-8) as a literal; NUL becomes U+FFFD", () => {
    expect(envelope("Subject: Crème brûlée\n\n")).toBe("(NIL {15}\r\nCrème brûlée NIL NIL NIL NIL NIL NIL NIL NIL)");
    expect(envelope("Subject: a\0b\n\n")).toBe("(NIL {5}\r\na\ufffdb NIL NIL NIL NIL NIL NIL NIL NIL)");
  });

  it("reads Latin-1 header bytes that are not UTF-8 as Latin-1 (sent as UTF-8; Dovecot passes the raw byte)", () => {
    const raw = Buffer.concat([Buffer.from("Subject: caf"), Buffer.from([0xe9]), Buffer.from("\r\n\r\n")]);
    expect(parseEnvelope(raw).subject).toBe("café");
  });

  it("ignores header lines without a colon", () => {
    expect(envelope("Subject: x\nSubject line without colon\n\n")).toBe('(NIL "x" NIL NIL NIL NIL NIL NIL NIL NIL)');
  });
});

describe("address lists (RFC 5322 §3.4, §4.4)", () => {
  it.each([
    ['"Joe Q. Public" <john.q.public@example.com>', '(("Joe Q. Public" NIL "john.q.public" "example.com"))'],
    [
      "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
      '(("Mary Smith" NIL "mary" "x.test")(NIL NIL "jdoe" "example.org")("Who?" NIL "one" "y.test"))',
    ],
    ['"Giant; \\"Big\\" Box" <sysservices@example.net>', '(("Giant; \\"Big\\" Box" NIL "sysservices" "example.net"))'],
    ['"Joe   Spaced\tName" <a@b>, Two  Words <c@d>', '(("Joe Spaced Name" NIL "a" "b")("Two Words" NIL "c" "d"))'],
    [
      '=?UTF-8?B?SsO8cmdlbg==?= <j@x.test>, "=?utf-8?q?a?=" <k@x>',
      '(("=?UTF-8?B?SsO8cmdlbg==?=" NIL "j" "x.test")("=?utf-8?q?a?=" NIL "k" "x"))',
    ],
    [
      'Dr. Who <w@x>, Joe "Q" Public <q@p>, Mary.Smith. <m@x>',
      '(("Dr. Who" NIL "w" "x")("Joe Q Public" NIL "q" "p")("Mary.Smith." NIL "m" "x"))',
    ],
    [
      '"" <empty@x>, <a@b> (trailing comment), Name (comment) <c@d>',
      '((NIL NIL "empty" "x")(NIL NIL "a" "b")("Name" NIL "c" "d"))',
    ],
  ])("display names: %s", (value, expected) => {
    expect(to(value)).toBe(expected);
  });

  it.each([
    ["pete(his account)@silly.test(his host)", '(("his host" NIL "pete" "silly.test"))'],
    ["john (John Doe comment)", '(("John Doe comment" NIL "john" "MISSING_DOMAIN"))'],
    ["a@b (  comment  with ( nested ) )", '(("comment with ( nested )" NIL "a" "b"))'],
  ])("a comment names an address that has no display name: %s", (value, expected) => {
    expect(to(value)).toBe(expected);
  });

  it.each([
    ['"quoted local"@example.com', '((NIL NIL "quoted local" "example.com"))'],
    ["<@route1,@route2:user@host.test>", '((NIL "@route1,@route2" "user" "host.test"))'],
    ["x@y, <  @r1 , @r2 : u @ h >", '((NIL NIL "x" "y")(NIL "@r1,@r2" "u" "h"))'],
    ["user@[1.2.3.4]", '((NIL NIL "user" "[1.2.3.4]"))'],
    ["a @ b . c", '((NIL NIL "a" "b.c"))'],
  ])("quoted local parts, routes, literals, CFWS: %s", (value, expected) => {
    expect(to(value)).toBe(expected);
  });

  it.each([
    ["justaname", '((NIL NIL "justaname" "MISSING_DOMAIN"))'],
    ["broken <>", '(("broken" NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))'],
    ["<>", '((NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))'],
    [
      "foo@, @bar, ,, x@y",
      '((NIL NIL "foo" "MISSING_DOMAIN")(NIL NIL "MISSING_MAILBOX" "bar")(NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN")(NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN")(NIL NIL "x" "y"))',
    ],
    [",", '((NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))'],
    ["a@b,", '((NIL NIL "a" "b"))'],
    ['"unterminated <a@b>', '((NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))'],
    ["a@b c@d", '((NIL NIL "a" "b"))'],
    ["<a@b>, garbage ;; <c@d>", '((NIL NIL "a" "b")(NIL NIL "garbage" "MISSING_DOMAIN"))'],
    ["Ana <a@b, c@d", '(("Ana" NIL "a" "SYNTAX_ERROR")(NIL NIL "c" "d"))'],
    ["<a b@c>, x@y", '((NIL NIL "a" "SYNTAX_ERROR"))'],
    ['"q" <@r:a@b', '(("q" "@r" "a" "SYNTAX_ERROR"))'],
  ])("missing parts are filled as Dovecot fills them, garbage ends the list: %s", (value, expected) => {
    expect(to(value)).toBe(expected);
  });

  it.each([
    [
      "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, Undisclosed recipients:;",
      '((NIL NIL "A Group" NIL)("Ed Jones" NIL "c" "a.test")(NIL NIL "joe" "where.test")("John" NIL "jdoe" "one.test")(NIL NIL NIL NIL)(NIL NIL "Undisclosed recipients" NIL)(NIL NIL NIL NIL))',
    ],
    ["x@y, Group: ; z@w", '((NIL NIL "x" "y")(NIL NIL "Group" NIL)(NIL NIL NIL NIL))'],
    ["Group2: a@b", '((NIL NIL "Group2" NIL)(NIL NIL "a" "b")(NIL NIL NIL NIL))'],
    ["Nested: Inner: a@b;;", '((NIL NIL "Nested" NIL)(NIL NIL "Inner" "MISSING_DOMAIN")(NIL NIL NIL NIL))'],
  ])("groups get start and end markers (RFC 3501 §7.4.2): %s", (value, expected) => {
    expect(to(value)).toBe(expected);
  });

  it("gives NIL for a list with no address in it", () => {
    expect(to("(nobody)")).toBe("NIL");
    expect(to("")).toBe("NIL");
  });

  it("does not confuse a field named like an Object.prototype member with an address field", () => {
    expect(envelope("constructor: a@b\n__proto__: c@d\n\n")).toBe("(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
  });
});
