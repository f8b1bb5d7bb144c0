// Text for SEARCH: header values, RFC 2047 encoded words, transfer and
// charset decoding of bodies. Also the ingestion helpers (toCrlf,
// analyzeMessage) that the store calls.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  analyzeMessage,
  decodeBodyText,
  decodeCharset,
  decodeEncodedWords,
  decodeTransfer,
  headerValues,
  parseMessage,
  toCrlf,
} from "../src/mime/index.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/mime/${name}.eml`, import.meta.url));

describe("decodeEncodedWords (RFC 2047)", () => {
  it.each([
    ["=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <j@x>", "Jürgen Müller <j@x>"],
    ["=?iso-8859-1?q?Andr=E9?= Pirard", "André Pirard"],
    ["=?UTF-8?B?8J+OiSBCaXJ0aGRheQ==?=", "🎉 Birthday"],
    ["=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=", "山田"],
    // White space between adjacent encoded words goes (RFC 2047 §6.2), other white space stays.
    ["=?UTF-8?Q?a?= =?UTF-8?Q?b?=  c", "ab  c"],
    ["=?UTF-8?Q?a?=\r\n =?ISO-8859-1?Q?=E9?=", "aé"],
    // A character split across two words (a common encoder bug) survives.
    ["=?UTF-8?B?ww==?= =?UTF-8?B?qQ==?=", "é"],
    ["=?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9?=", "café"],
    // RFC 2231 §5 language suffix.
    ["=?UTF-8*fr?Q?d=C3=A9j=C3=A0?=", "déjà"],
    // Not separated from its neighbours: decoded anyway, as mail readers do.
    ["Re:=?UTF-8?Q?=C3=A9t=C3=A9?=!", "Re:été!"],
  ])("%s", (input, expected) => {
    expect(decodeEncodedWords(input)).toBe(expected);
  });

  it.each(["plain text", "=?UTF-8?X?abc?=", "=?UTF-8?Q?unterminated", "=??Q?abc?=", "a =? b ?= c"])(
    "leaves %s as it is",
    (input) => {
      expect(decodeEncodedWords(input)).toBe(input);
    },
  );

  it("falls back to UTF-8/Latin-1 for an unknown charset instead of failing", () => {
    expect(decodeEncodedWords("=?x-unknown?Q?caf=C3=A9?=")).toBe("café");
  });
});

describe("headerValues", () => {
  const header = Buffer.from("Subject: one\r\nsubject:  two\r\n  folded\r\nsubject without colon\r\nX: y\r\n\r\n");
  it("returns every value of a field, unfolded and left-trimmed, raw", () => {
    expect(headerValues(header, "SUBJECT")).toEqual(["one", "two  folded"]);
    expect(headerValues(header, "x")).toEqual(["y"]);
    expect(headerValues(header, "missing")).toEqual([]);
  });
});

describe("decodeTransfer", () => {
  it("decodes base64 leniently (line breaks, junk, missing padding)", () => {
    expect(decodeTransfer(Buffer.from("SGVs\r\nbG8g*d29y\nbGQ"), "BASE64").toString()).toBe("Hello world");
    expect(decodeTransfer(Buffer.from("YQ=="), "base64").toString()).toBe("a");
  });

  it("decodes quoted-printable: escapes, soft breaks (also after white space and with bare LF), stray '='", () => {
    expect(
      decodeTransfer(Buffer.from("caf=C3=A9 =\r\nau lait=  \r\n=3D ok=\nx = y=zz=4"), "quoted-printable").toString(),
    ).toBe("café au lait= okx = y=zz=4");
  });

  it("passes other encodings through", () => {
    expect(decodeTransfer(Buffer.from("=C3=A9"), "8bit").toString()).toBe("=C3=A9");
    expect(decodeTransfer(Buffer.from("x"), "x-uuencode").toString()).toBe("x");
  });
});

describe("decodeCharset", () => {
  it.each([
    [Buffer.from([0x63, 0x61, 0x66, 0xe9]), "ISO-8859-1", "café"],
    [Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), "windows-1251", "Привет"],
    [Buffer.from("\x1b$B$3$s$K$A$O\x1b(B", "latin1"), "iso-2022-jp", "こんにちは"],
    [Buffer.from("Hi Mom -+Jjo--!"), "UTF-7", "Hi Mom -☺-!"],
    [Buffer.from("A+ImIDkQ."), "utf-7", "A≢Α."],
    [Buffer.from("1 +- 1"), "utf-7", "1 + 1"],
    [Buffer.from("café", "utf8"), "us-ascii", "café"],
    [Buffer.from([0x63, 0x61, 0x66, 0xe9]), "us-ascii", "café"],
    [Buffer.from("café", "utf8"), "x-no-such-charset", "café"],
    [Buffer.from([0x63, 0x61, 0x66, 0xe9]), undefined, "café"],
  ])("%o in %s", (bytes, charset, expected) => {
    expect(decodeCharset(bytes, charset)).toBe(expected);
  });
});

describe("decodeBodyText", () => {
  it("decodes each text part with its transfer encoding and charset, skipping non-text parts", () => {
    const raw = fixture("eight-bit");
    const text = decodeBodyText(raw, parseMessage(raw));
    expect(text).toContain("Ingrédients : crème, sucre, œufs.");
    expect(text).toContain("Même recette en Latin-1, très simple.");
    expect(text).toContain("Crème brûlée, version quoted-printable, avec une ligne très longue coupée.");
  });

  it("decodes ISO-2022-JP", () => {
    const raw = fixture("encoded-words");
    expect(decodeBodyText(raw, parseMessage(raw))).toBe("こんにちは\r\n");
  });

  it("includes an attached message's header and text, not attachments' bytes", () => {
    const raw = fixture("attached-message");
    const text = decodeBodyText(raw, parseMessage(raw));
    expect(text).toContain("See the forwarded message below.");
    expect(text).toContain("Subject: Quarterly numbers");
    expect(text).toContain("<p>Revenue is up <b>4%</b>.</p>");
    const nested = fixture("nested-multipart");
    const nestedText = decodeBodyText(nested, parseMessage(nested));
    expect(nestedText).toContain('<img src="cid:logo@shop.example">');
    expect(nestedText).not.toContain("%PDF");
  });
});

describe("ingestion helpers", () => {
  it("toCrlf turns bare LF into CRLF and leaves CRLF alone", () => {
    expect(toCrlf(Buffer.from("a\nb\r\nc\n\nd")).toString()).toBe("a\r\nb\r\nc\r\n\r\nd");
    const already = Buffer.from("a\r\nb\r\n");
    expect(toCrlf(already)).toBe(already);
    expect(toCrlf(Buffer.from("\n")).toString()).toBe("\r\n");
  });

  it("analyzeMessage gives what the store caches: envelope, structure, header size, Message-ID", () => {
    const raw = fixture("simple-text");
    const a = analyzeMessage(raw);
    expect(a.headerSize).toBe(raw.indexOf("\r\n\r\n") + 4);
    expect(a.messageId).toBe("<20261124091200.4711@example.org>");
    expect(a.envelope.subject).toBe("Lunch on Friday?");
    expect(a.bodyStructure).toMatchObject({ kind: "text", type: "text", subtype: "plain", lines: 5 });
    expect(analyzeMessage(fixture("missing-headers")).messageId).toBeNull();
    expect(analyzeMessage(Buffer.from("Message-ID:  (c) <a@b> x\r\n\r\n")).messageId).toBe("<a@b>");
  });
});
