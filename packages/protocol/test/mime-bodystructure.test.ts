// The MIME tree and BODY/BODYSTRUCTURE (RFC 3501 §7.4.2) on small
// messages. Unless a test says otherwise, each expected string is what
// Dovecot 2.3.19 printed for the same message.
import { describe, expect, it } from "vitest";
import {
  bodyStructure,
  bodyStructureValue,
  MAX_MIME_DEPTH,
  MAX_MIME_PARTS,
  type MimePart,
  parseMessage,
} from "../src/mime/index.ts";
import { encodeToString } from "../src/wire/encoder.ts";
import { checkBody } from "./fixtures/mime/wire-grammar.ts";

const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, "\r\n"), "utf8");

function structure(raw: Buffer | string, extended = true): string {
  const buf = typeof raw === "string" ? crlf(raw) : raw;
  const wire = encodeToString([bodyStructureValue(bodyStructure(parseMessage(buf)), { extended })]);
  checkBody(wire, extended);
  return wire;
}

describe("BODYSTRUCTURE as Dovecot writes it", () => {
  it.each([
    [
      "a message without Content-Type: text/plain us-ascii, lowercase, all four extension fields",
      "Subject: hi\n\nhello\n",
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 7 1 NIL NIL NIL NIL)',
    ],
    [
      "type, subtype, parameter names and encoding keep the case sent",
      "content-type: TEXT/PLAIN; CHARSET=ISO-8859-1\ncontent-transfer-encoding: 8BIT\n\n\u00e9\n",
      '("TEXT" "PLAIN" ("CHARSET" "ISO-8859-1") NIL NIL "8BIT" 4 1 NIL NIL NIL NIL)',
    ],
    [
      "a text part without charset gets it appended after its parameters",
      "Content-Type: text/plain; format=flowed\nContent-Language: en-US\n\nx",
      '("text" "plain" ("format" "flowed" "charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL ("en-US") NIL)',
    ],
    [
      "a parameter without a value is dropped",
      "Content-Type: text/plain; charset\n\nhello",
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 0 NIL NIL NIL NIL)',
    ],
    [
      "comments and white space around tokens, the first Content-Type wins",
      'Content-Type: text / plain (comment) ; charset = (c) "utf-8" (c2)\nContent-Type: text/html\n\nx',
      '("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 1 0 NIL NIL NIL NIL)',
    ],
    [
      "single-part fields: id, description, md5 and location left-trimmed only; encoding token; language list",
      'Content-Type: text/plain; charset=""; x="a\n b"\nContent-Description:   two   spaces  \nContent-ID:  <a b>  \nContent-Transfer-Encoding: base64 (comment)\nContent-Language: en (English), fr\nContent-Location: http://a/\n b\nContent-MD5:  Q2hlY2s= \n\nx',
      '("text" "plain" ("charset" "" "x" "a b") "<a b>  " "two   spaces  " "base64" 1 0 "Q2hlY2s= " NIL ("en" "fr") "http://a/ b")',
    ],
    [
      "a disposition without parameters, and one with parameters but no type",
      "Content-Type: text/html\nContent-Disposition: attachment\n\nx",
      '("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL ("attachment" NIL) NIL NIL)',
    ],
    [
      "an encoded word in a parameter stays as sent; an empty encoding is 7bit",
      'Content-Type: text/plain; charset="utf-8"; name==?UTF-8?B?w6k=?=\nContent-Transfer-Encoding:\nContent-Disposition: ;foo=bar\n\nx',
      '("text" "plain" ("charset" "utf-8" "name" "=?UTF-8?B?w6k=?=") NIL NIL "7bit" 1 0 NIL ("" ("foo" "bar")) NIL NIL)',
    ],
  ])("%s", (_what, message, expected) => {
    expect(structure(message)).toBe(expected);
  });

  it("writes a multipart's parts without separators, then subtype and extension data (RFC 3501 §9 body-type-mpart)", () => {
    const message = `Content-Type: multipart/mixed; boundary="XX"

preamble
--XX

implicit text
--XX
Content-Type: Text/HTML; Charset=UTF-8; Format=flowed
Content-Transfer-Encoding: Quoted-Printable
Content-ID: <id1>
Content-Description: desc
Content-MD5: abc
Content-Disposition: Inline; Filename="a.html"
Content-Language: en, de
Content-Location: http://x/y

<p>hi</p>
line2
--XX
Content-Type: application/octet-stream; name*=UTF-8'en'%E2%82%AC%20rates.txt
Content-Disposition: attachment; filename*0*=UTF-8''f%C3%BC; filename*1=r.txt
Content-Transfer-Encoding: base64

AAAA
--XX--
epilogue
`;
    expect(structure(message)).toBe(
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 0 NIL NIL NIL NIL)' +
        '("Text" "HTML" ("Charset" "UTF-8" "Format" "flowed") "<id1>" "desc" "Quoted-Printable" 16 1 "abc" ("Inline" ("Filename" "a.html")) ("en" "de") "http://x/y")' +
        '("application" "octet-stream" ("name*" "UTF-8\'en\'%E2%82%AC%20rates.txt") NIL NIL "base64" 4 NIL ("attachment" ("filename*" "UTF-8\'\'f%C3%BCr.txt")) NIL NIL)' +
        ' "mixed" ("boundary" "XX") NIL NIL NIL)',
    );
    expect(structure(message, false)).toBe(
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 0)' +
        '("Text" "HTML" ("Charset" "UTF-8" "Format" "flowed") "<id1>" "desc" "Quoted-Printable" 16 1)' +
        '("application" "octet-stream" ("name*" "UTF-8\'en\'%E2%82%AC%20rates.txt") NIL NIL "base64" 4) "mixed")',
    );
  });

  it("sends RFC 2231 parameters as name* with their joined ext-value, plain ones first", () => {
    expect(
      structure(
        'Content-Type: application/x; A*0="one two"; A*1*=%41%; c*1=second; c*0=first; D="q\\\\\\"uote"; e=\n  folded ; (comment) f = "sp ace" ; g*0*=a; g*2=c\n\nx',
      ),
    ).toBe(
      '("application" "x" ("D" "q\\\\\\"uote" "e" "folded" "f" "sp ace" "A*" "\'\'one two%41%" "c" "firstsecond" "g*0*" "a" "g*2" "c") NIL NIL "7bit" 1 NIL NIL NIL NIL)',
    );
    expect(structure('Content-Type: application/x; n*0=a; n*1="b c"; n*2*=%41\n\nx')).toBe(
      '("application" "x" ("n*" "\'\'ab c%41") NIL NIL "7bit" 1 NIL NIL NIL NIL)',
    );
  });

  it("gives a multipart with no parts (no boundary, boundary never seen) one empty text/plain part", () => {
    expect(structure("Content-Type: multipart/mixed\n\n--XX\n\ntext\n--XX--\n")).toBe(
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" NIL NIL NIL NIL)',
    );
    expect(structure("Content-Type: multipart/mixed; boundary=b\n\nno parts at all\n")).toBe(
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)',
    );
    expect(structure("Content-Type: multipart/mixed; boundary=b\n\n--b--\n")).toBe(
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)',
    );
  });

  it("runs an unterminated multipart to the end of the message", () => {
    expect(
      structure(
        Buffer.from(
          "Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nunterminated\r\nmore",
        ),
      ),
    ).toBe(
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 18 1 NIL NIL NIL NIL) "mixed" ("boundary" "XX") NIL NIL NIL)',
    );
  });

  it("finds boundaries by prefix, padding and junk after them included", () => {
    expect(
      structure("Content-Type: multipart/mixed; boundary=b\n\n--b \t\n\npadded\n--bx\n\nprefix\n--b--junk\n"),
    ).toBe(
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 0 NIL NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 0 NIL NIL NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)',
    );
  });

  it("ends a part's header at a boundary when the empty line is missing", () => {
    expect(
      structure("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b\n\nsecond\n--b--\n"),
    ).toBe(
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 0 NIL NIL NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)',
    );
  });

  it("nests message/rfc822 (envelope, body, lines); message/global is a plain leaf; multipart extension data", () => {
    const message = `Content-Type: multipart/related; boundary="b"; type="text/html"
Content-Disposition: inline
Content-Language: en
Content-Location: loc

--b
Content-Type: message/rfc822
Content-Disposition: attachment; filename=m.eml

Subject: s

x
--b
Content-Type: message/global

Subject: g

y
--b
Content-Type: text/plain
Content-Disposition: attachment; filename="a\\\\b.txt"; size=12

z
--b--`;
    expect(structure(message)).toBe(
      '(("message" "rfc822" NIL NIL NIL "7bit" 15 (NIL "s" NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL NIL NIL) 2 NIL ("attachment" ("filename" "m.eml")) NIL NIL)' +
        '("message" "global" NIL NIL NIL "7bit" 15 NIL NIL NIL NIL)' +
        '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL ("attachment" ("filename" "a\\\\b.txt" "size" "12")) NIL NIL)' +
        ' "related" ("boundary" "b" "type" "text/html") ("inline" NIL) ("en") "loc")',
    );
  });

  it("parses a message/rfc822 body as a message even when transfer-encoded (RFC 2046 §5.2.1 forbids it)", () => {
    expect(
      structure("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nRnJvbTogYUBiDQoNCmhpDQo=\n"),
    ).toBe(
      '("message" "rfc822" NIL NIL NIL "base64" 26 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) 1 NIL NIL NIL NIL)',
    );
  });

  it("defaults multipart/digest parts to message/rfc822 (RFC 2046 §5.1.5)", () => {
    expect(
      structure(
        "Content-Type: multipart/digest; boundary=d\n\n--d\n\nFrom: x@y\nSubject: in digest\n\ndigest body\n--d\nContent-Type: text/plain\n\nnot a message\n--d--\n",
      ),
    ).toBe(
      '(("message" "rfc822" NIL NIL NIL "7bit" 44 (NIL "in digest" ((NIL NIL "x" "y")) ((NIL NIL "x" "y")) ((NIL NIL "x" "y")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 11 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)' +
        '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 0 NIL NIL NIL NIL) "digest" ("boundary" "d") NIL NIL NIL)',
    );
  });
});

describe("where we differ from Dovecot on purpose", () => {
  it('takes an unreadable Content-Type as text/plain (RFC 2045 §5.2); Dovecot sends ("garbage" "")', () => {
    expect(structure("Content-Type: garbage\n\nhello\n")).toBe(
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 7 1 NIL NIL NIL NIL)',
    );
    expect(structure("Content-Type: text/\n\nx")).toBe(
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL NIL NIL)',
    );
  });

  it("reads an unquoted boundary with '=' in it (JavaMail); Dovecot cuts it at the '=' and finds a phantom part", () => {
    expect(
      structure(
        "Content-Type: multipart/mixed; boundary=----=_Part_0_123.456\n\n------=_Part_0_123.456\n\nx\n------=_Part_0_123.456--\n",
      ),
    ).toBe(
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 1 0 NIL NIL NIL NIL) "mixed" ("boundary" "----=_Part_0_123.456") NIL NIL NIL)',
    );
  });

  it("skips a broken parameter but keeps the rest; Dovecot keeps a nameless one and loses later ones", () => {
    expect(
      structure(
        'Content-Type: application/x; name=my file.txt; x=y; q="uq"x; =v; k; k2=\nContent-Disposition: attachment; filename = "a b" ; ; creation-date="Mon, 1 Jan 2024"\n\nx',
      ),
    ).toBe(
      '("application" "x" ("name" "my" "x" "y" "q" "uq") NIL NIL "7bit" 1 NIL ("attachment" ("filename" "a b" "creation-date" "Mon, 1 Jan 2024")) NIL NIL)',
    );
  });

  it("reads name*=… as one extended parameter; Dovecot 2.3.19 can mislabel it name*1*", () => {
    expect(structure("Content-Type: application/x; a*0=x; b*=us-ascii'en'x%20y\n\nx")).toBe(
      '("application" "x" ("a" "x" "b*" "us-ascii\'en\'x%20y") NIL NIL "7bit" 1 NIL NIL NIL NIL)',
    );
  });
});

describe("the parsed tree", () => {
  it("decodes RFC 2231 values for the server's own use (charset, language, continuations)", () => {
    const tree = parseMessage(
      crlf(
        "Content-Type: application/x;\n name*0*=UTF-8'de'Kosten%C3%BCbersicht%20;\n name*1*=%E2%80%93%20Q4;\n name*2=\".xlsx\"\nContent-Disposition: attachment; filename*=iso-8859-1''Gr%FC%DFe.txt\n\nx",
      ),
    );
    expect(tree.params).toEqual([
      {
        name: "name",
        value: "Kostenübersicht – Q4.xlsx",
        extended: "UTF-8'de'Kosten%C3%BCbersicht%20%E2%80%93%20Q4.xlsx",
        charset: "UTF-8",
        language: "de",
      },
    ]);
    expect(tree.disposition).toEqual({
      value: "attachment",
      params: [{ name: "filename", value: "Grüße.txt", extended: "iso-8859-1''Gr%FC%DFe.txt", charset: "iso-8859-1" }],
    });
  });

  it("keeps byte offsets: header with its empty line, body without the line break before the boundary", () => {
    const raw = crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nX: 1\n\none\n--b\n\ntwo\n--b--\n");
    const root = parseMessage(raw);
    const text = (p: MimePart, what: "header" | "body") =>
      what === "header"
        ? raw.toString("latin1", p.headerStart, p.headerEnd)
        : raw.toString("latin1", p.bodyStart, p.bodyEnd);
    expect(root.kind).toBe("multipart");
    expect(text(root, "header")).toBe("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
    expect(root.children.map((c) => [text(c, "header"), text(c, "body")])).toEqual([
      ["X: 1\r\n\r\n", "one"],
      ["\r\n", "two"],
    ]);
    expect(root.bodyEnd).toBe(raw.length);
  });

  it("gives attached messages their own envelope and tree", () => {
    const root = parseMessage(crlf("Content-Type: message/rfc822\n\nFrom: inner@x\nSubject: inner\n\nhi\n"));
    expect(root.kind).toBe("message");
    expect(root.message?.envelope.subject).toBe("inner");
    expect(root.message?.envelope.from).toEqual([{ name: null, adl: null, mailbox: "inner", host: "x" }]);
    expect(root.message?.root.kind).toBe("leaf");
    expect(root.lines).toBe(4);
  });

  it(`stops nesting at ${MAX_MIME_DEPTH} levels: a deeper container is one application/octet-stream leaf`, () => {
    let message = "";
    for (let i = 0; i < MAX_MIME_DEPTH + 10; i++)
      message += `Content-Type: multipart/mixed; boundary=level${i}x\r\n\r\n--level${i}x\r\n`;
    message += "\r\nleaf\r\n";
    let part = parseMessage(Buffer.from(message));
    let depth = 0;
    while (part.kind === "multipart") {
      part = part.children[0];
      depth++;
    }
    expect(depth).toBe(MAX_MIME_DEPTH);
    expect([part.type, part.subtype, part.kind]).toEqual(["application", "octet-stream", "leaf"]);
    structure(Buffer.from(message));
  });

  it(`stops at ${MAX_MIME_PARTS} parts: the rest of the multipart is its epilogue`, () => {
    const raw = Buffer.from(
      `Content-Type: multipart/mixed; boundary=x\r\n\r\n${"--x\r\n\r\na\r\n".repeat(MAX_MIME_PARTS + 50)}--x--\r\n`,
    );
    const root = parseMessage(raw);
    expect(root.children.length).toBe(MAX_MIME_PARTS - 1);
    expect(root.bodyEnd).toBe(raw.length);
  });
});
