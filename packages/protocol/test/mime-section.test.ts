// FETCH BODY[section]<partial> (RFC 3501 §6.4.5): parsing the section from
// wire tokens and cutting it from the raw message. Expected bytes are what
// Dovecot 2.3.19 returned for the same messages.
import { describe, expect, it } from "vitest";
import {
  applyPartial,
  extractSection,
  findPart,
  formatSection,
  parseMessage,
  parseSection,
  type SectionSpec,
} from "../src/mime/index.ts";
import { ParseError, type Token, tokenize } from "../src/wire/tokens.ts";

const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, "\r\n"), "utf8");

function tokens(section: string): Token[] {
  const t = tokenize({ lines: [Buffer.from(`a FETCH 1 BODY[${section}]`)], literals: [] }).tokens[2];
  if (t.type !== "atom" || !t.section) throw new Error("no section token");
  return t.section;
}

const spec = (section: string): SectionSpec => parseSection(tokens(section));

function section(raw: Buffer, key: string): string {
  return extractSection(raw, parseMessage(raw), spec(key)).toString("utf8");
}

describe("parseSection", () => {
  it.each<[string, SectionSpec]>([
    ["", { path: [], kind: "" }],
    ["HEADER", { path: [], kind: "HEADER" }],
    ["text", { path: [], kind: "TEXT" }],
    ["1", { path: [1], kind: "" }],
    ["1.2.3", { path: [1, 2, 3], kind: "" }],
    ["2.MIME", { path: [2], kind: "MIME" }],
    ["4.2.header", { path: [4, 2], kind: "HEADER" }],
    ["HEADER.FIELDS (From to)", { path: [], kind: "HEADER.FIELDS", fields: ["From", "to"] }],
    [
      '1.HEADER.FIELDS.NOT ("X-Spam" Received)',
      { path: [1], kind: "HEADER.FIELDS.NOT", fields: ["X-Spam", "Received"] },
    ],
  ])("BODY[%s]", (text, expected) => {
    expect(spec(text)).toEqual(expected);
  });

  it.each([
    ["0", /part number/],
    ["1.01", /part number/],
    ["99999999999", /part number/],
    ["MIME", /MIME needs a part number/],
    ["1.BODY", /invalid section/],
    ["HEADER.FIELDS", /list of header field names/],
    ["HEADER.FIELDS ()", /list of header field names/],
    ["HEADER.FIELDS (A:B)", /invalid header field name/],
    ["TEXT (FROM)", /unexpected text/],
    ["1.", /invalid section/],
  ])("rejects BODY[%s]", (text, message) => {
    expect(() => spec(text)).toThrow(ParseError);
    expect(() => spec(text)).toThrow(message);
  });

  it("formats the section for the response, field names upper-cased as Dovecot echoes them", () => {
    expect(formatSection(spec("1.2.header.fields (from X-Mailer)"))).toBe("1.2.HEADER.FIELDS (FROM X-MAILER)");
    expect(formatSection(spec("HEADER.FIELDS.NOT (a]b)"))).toBe('HEADER.FIELDS.NOT ("A]B")');
    expect(formatSection(spec(""))).toBe("");
    expect(formatSection(spec("3"))).toBe("3");
  });
});

describe("applyPartial", () => {
  const data = Buffer.from("0123456789");
  it.each([
    [{ start: 0, length: 4 }, "0123"],
    [{ start: 8, length: 10 }, "89"],
    [{ start: 10, length: 1 }, ""],
    [{ start: 20, length: 1 }, ""],
    [{ start: 3 }, "3456789"],
    [undefined, "0123456789"],
  ])("%o", (partial, expected) => {
    expect(applyPartial(data, partial).toString()).toBe(expected);
  });
});

describe("part numbers", () => {
  const simple = crlf("Subject: hi\n\nhello\n");
  const mixed = crlf(
    'From: a@b\nContent-Type: multipart/mixed; boundary="XX"\n\npreamble\n--XX\n\nimplicit text\n--XX\nContent-Type: text/html\n\n<p>hi</p>\n--XX--\nepilogue\n',
  );
  const rfc822Root = crlf(
    "Content-Type: message/rfc822\n\nFrom: inner@x\nSubject: inner\nContent-Type: multipart/mixed; boundary=i\n\n--i\n\na\n--i\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBO\n--i--\n",
  );
  const digest = crlf(
    "Content-Type: multipart/digest; boundary=d\n\n--d\n\nFrom: x@y\nSubject: in digest\n\ndigest body\n--d\nContent-Type: text/plain\n\nnot a message\n--d--\n",
  );

  it("part 1 of a non-multipart message is its body, and its MIME header is the message header", () => {
    expect(section(simple, "1")).toBe("hello\r\n");
    expect(section(simple, "1.MIME")).toBe("Subject: hi\r\n\r\n");
    expect(section(simple, "2")).toBe("");
    expect(section(simple, "1.1")).toBe("");
  });

  it("numbers multipart parts from 1; a leaf inside one answers to one more .1, no deeper", () => {
    expect(section(mixed, "1")).toBe("implicit text");
    expect(section(mixed, "1.MIME")).toBe("\r\n");
    expect(section(mixed, "2.MIME")).toBe("Content-Type: text/html\r\n\r\n");
    expect(section(mixed, "1.1")).toBe("implicit text");
    expect(section(mixed, "2.1")).toBe("<p>hi</p>");
    expect(section(mixed, "1.1.1")).toBe("");
    expect(section(mixed, "3")).toBe("");
    expect(section(mixed, "TEXT")).toBe(
      "preamble\r\n--XX\r\n\r\nimplicit text\r\n--XX\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--XX--\r\nepilogue\r\n",
    );
  });

  it("HEADER and TEXT of a part that is not a message/rfc822 are empty", () => {
    expect(section(mixed, "2.HEADER")).toBe("");
    expect(section(mixed, "2.TEXT")).toBe("");
  });

  it("goes into an attached message: N.HEADER, N.TEXT, N.M", () => {
    expect(section(rfc822Root, "HEADER")).toBe("Content-Type: message/rfc822\r\n\r\n");
    expect(section(rfc822Root, "1.HEADER")).toBe(
      "From: inner@x\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n",
    );
    expect(section(rfc822Root, "1.1")).toBe("a");
    expect(section(rfc822Root, "1.2")).toBe("iVBO");
    expect(section(rfc822Root, "1.2.MIME")).toBe(
      "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n",
    );
    expect(section(rfc822Root, "1.1.1")).toBe("a");
    expect(section(digest, "1")).toBe("From: x@y\r\nSubject: in digest\r\n\r\ndigest body");
    expect(section(digest, "1.MIME")).toBe("\r\n");
    expect(section(digest, "1.1")).toBe("digest body");
    expect(section(digest, "1.1.MIME")).toBe("From: x@y\r\nSubject: in digest\r\n\r\n");
    expect(section(digest, "1.HEADER.FIELDS (subject)")).toBe("Subject: in digest\r\n\r\n");
  });

  it("findPart answers null for what does not exist", () => {
    const root = parseMessage(mixed);
    expect(findPart(root, [])).toBe(root);
    expect(findPart(root, [2])).toBe(root.children[1]);
    expect(findPart(root, [7])).toBeNull();
    expect(findPart(root, [1, 2])).toBeNull();
  });
});

describe("HEADER.FIELDS", () => {
  const raw = crlf("Subject: x\n folded\nthis line has no colon\nX-A: 1\nx-a: 2\nFrom : a@b\n\nbody\n");

  it("keeps the original order, folds and case, matches names case-insensitively, ends with the empty line", () => {
    expect(section(raw, "HEADER.FIELDS (x-a from)")).toBe("X-A: 1\r\nx-a: 2\r\nFrom : a@b\r\n\r\n");
    expect(section(raw, 'HEADER.FIELDS ("subject" FROM)')).toBe("Subject: x\r\n folded\r\nFrom : a@b\r\n\r\n");
    expect(section(raw, "HEADER.FIELDS (X-NONE)")).toBe("\r\n");
  });

  it("NOT keeps everything else, lines without a colon included", () => {
    expect(section(raw, "HEADER.FIELDS.NOT (subject)")).toBe(
      "this line has no colon\r\nX-A: 1\r\nx-a: 2\r\nFrom : a@b\r\n\r\n",
    );
  });

  it("works on a header with no empty line after it", () => {
    const headerOnly = Buffer.from("Subject: only header\r\nFrom: a@b\r\n");
    expect(section(headerOnly, "HEADER.FIELDS (SUBJECT FROM TO)")).toBe("Subject: only header\r\nFrom: a@b\r\n\r\n");
    expect(section(headerOnly, "HEADER")).toBe("Subject: only header\r\nFrom: a@b\r\n");
    expect(section(headerOnly, "TEXT")).toBe("");
  });
});
