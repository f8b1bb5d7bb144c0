// Property test: thousands of random and mutated messages (seeded, so a
// failure reproduces) must parse without an exception into a tree whose
// offsets nest, whose ENVELOPE and BODYSTRUCTURE follow the RFC 3501
// grammar and survive the JSON cache, and whose every section can be cut.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  analyzeMessage,
  bodyStructureValue,
  decodeBodyText,
  decodeEncodedWords,
  envelopeValue,
  extractSection,
  findPart,
  headerValues,
  type MimePart,
  type SectionKind,
} from "../src/mime/index.ts";
import { encodeToString } from "../src/wire/encoder.ts";
import { checkBody, checkEnvelope } from "./fixtures/mime/wire-grammar.ts";

const DIR = new URL("./fixtures/mime/", import.meta.url);
const corpus = readdirSync(DIR)
  .filter((f) => f.endsWith(".eml"))
  .sort()
  .map((f) => readFileSync(new URL(f, DIR)));

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)];

/** Fragments that steer mutations into the parser's interesting corners. */
const SNIPPETS = [
  "\r\n",
  "\n",
  "\r",
  "\r\n\r\n",
  "--",
  "--b",
  "--b--",
  "\r\n--b\r\n",
  "Content-Type: multipart/mixed; boundary=b\r\n",
  "Content-Type: multipart/digest; boundary=b\r\n",
  "Content-Type: message/rfc822\r\n",
  "Content-Type: text/plain; charset=utf-7\r\n",
  "Content-Transfer-Encoding: base64\r\n",
  "Content-Transfer-Encoding: quoted-printable\r\n",
  "Content-Disposition: attachment; filename*0*=UTF-8''%E2%82; filename*1*=%AC\r\n",
  "; name*=x'y'%zz",
  "=?UTF-8?B?",
  "=?x?Q?=ZZ?=",
  "?=",
  '"',
  "\\",
  "(",
  ")",
  "<",
  ">",
  ",",
  ";",
  ":",
  "@",
  "Group:;",
  "\0",
  "\xff\xfe",
  "\xc3",
  " ",
  "\t",
  "From: ",
  "To: a@b, (c) <d@e>",
];

function mutate(rng: Rng, input: Buffer): Buffer {
  let b = input;
  const rounds = 1 + int(rng, 6);
  for (let r = 0; r < rounds; r++) {
    const at = int(rng, b.length + 1);
    switch (int(rng, 6)) {
      case 0: {
        const c = Buffer.from(b);
        if (c.length) c[int(rng, c.length)] = int(rng, 256);
        b = c;
        break;
      }
      case 1:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + int(rng, 64)))]);
        break;
      case 2: {
        const from = int(rng, b.length + 1);
        b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + int(rng, 200)), b.subarray(at)]);
        break;
      }
      case 3:
        b = b.subarray(0, at);
        break;
      default:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(rng, SNIPPETS), "latin1"), b.subarray(at)]);
    }
  }
  return b;
}

/** A random MIME entity: headers, then a body that may be a multipart or an attached message. */
function generate(rng: Rng, depth: number): string {
  const nl = rng() < 0.2 ? "\n" : "\r\n";
  const boundary = pick(rng, ["b", "b1", "==x==", "----=_Part_1", "a b", ""]);
  const headers = [
    pick(rng, ["From: a@b", 'From: "N" <n@x>', "From: G: a@b;", "From:", ""]),
    pick(rng, ["Subject: =?UTF-8?Q?x?=", "Subject: s", ""]),
    rng() < 0.3 ? "X-Junk line without colon" : "",
  ];
  const kind = depth > 6 ? 0 : int(rng, 4);
  let body: string;
  if (kind === 1) {
    headers.push(`Content-Type: multipart/${pick(rng, ["mixed", "digest", "alternative"])}; boundary="${boundary}"`);
    const parts = Array.from({ length: int(rng, 4) }, () => generate(rng, depth + 1));
    const close = rng() < 0.8 ? `--${boundary}--${nl}` : "";
    body = `${rng() < 0.3 ? `preamble${nl}` : ""}${parts.map((p) => `--${boundary}${nl}${p}${nl}`).join("")}${close}`;
  } else if (kind === 2) {
    headers.push("Content-Type: message/rfc822");
    body = generate(rng, depth + 1);
  } else {
    headers.push(
      pick(rng, ["Content-Type: text/plain; charset=utf-8", "Content-Type: image/png", "Content-Type: garbage", ""]),
    );
    body = pick(rng, ["hello", "l1\r\nl2\n", "", "=C3=A9", "--b", "--b--"]);
  }
  return `${headers.filter((h) => h).join(nl)}${rng() < 0.9 ? nl + nl : nl}${body}`;
}

/** Every part with the path that names it (RFC 3501 §6.4.5 numbering). */
function partsWithPaths(root: MimePart): Array<[number[], MimePart]> {
  const out: Array<[number[], MimePart]> = [];
  const inside = (p: MimePart) => (p.kind === "multipart" ? p.children : [p]);
  const visit = (parts: MimePart[], prefix: number[]) =>
    parts.forEach((p, i) => {
      const path = [...prefix, i + 1];
      out.push([path, p]);
      if (p.kind === "multipart") visit(p.children, path);
      else if (p.message) visit(inside(p.message.root), path);
    });
  visit(inside(root), []);
  return out;
}

function checkOffsets(p: MimePart, length: number): void {
  expect(0 <= p.headerStart && p.headerStart <= p.headerEnd && p.headerEnd <= p.bodyStart).toBe(true);
  expect(p.bodyStart <= p.bodyEnd && p.bodyEnd <= length).toBe(true);
  let last = p.bodyStart;
  for (const c of p.children) {
    expect(c.headerStart).toBeGreaterThanOrEqual(last);
    expect(c.bodyEnd).toBeLessThanOrEqual(p.bodyEnd);
    last = c.bodyEnd;
    checkOffsets(c, length);
  }
  if (p.message) {
    expect([p.message.root.headerStart, p.message.root.bodyEnd]).toEqual([p.bodyStart, p.bodyEnd]);
    checkOffsets(p.message.root, length);
  }
}

const KINDS: SectionKind[] = ["", "HEADER", "TEXT", "MIME", "HEADER.FIELDS", "HEADER.FIELDS.NOT"];

function checkMessage(raw: Buffer): void {
  const a = analyzeMessage(raw);
  checkOffsets(a.tree, raw.length);

  const envelope = encodeToString([envelopeValue(a.envelope)]);
  const body = encodeToString([bodyStructureValue(a.bodyStructure, { extended: false })]);
  const structure = encodeToString([bodyStructureValue(a.bodyStructure, { extended: true })]);
  checkEnvelope(envelope);
  checkBody(body, false);
  checkBody(structure, true);
  const cached = JSON.parse(JSON.stringify({ e: a.envelope, b: a.bodyStructure }));
  expect(encodeToString([envelopeValue(cached.e)])).toBe(envelope);
  expect(encodeToString([bodyStructureValue(cached.b, { extended: true })])).toBe(structure);

  for (const kind of KINDS) {
    if (kind === "MIME") continue;
    const fields = kind.startsWith("HEADER.FIELDS") ? ["subject", "FROM"] : undefined;
    // At most a line break for an unterminated last field plus the closing empty line are added.
    expect(extractSection(raw, a.tree, { path: [], kind, fields }).length, kind).toBeLessThanOrEqual(raw.length + 4);
  }
  for (const [path, part] of partsWithPaths(a.tree)) {
    expect(findPart(a.tree, path)).toBe(part);
    for (const kind of KINDS) {
      const fields = kind.startsWith("HEADER.FIELDS") ? ["content-type"] : undefined;
      const out = extractSection(raw, a.tree, { path, kind, fields });
      // HEADER.FIELDS of an attached message ends with the empty line; of any other part it is empty.
      if (fields) expect(out.subarray(-2).toString()).toBe(part.message ? "\r\n" : "");
    }
  }
  decodeBodyText(raw, a.tree);
  for (const v of headerValues(raw.subarray(0, a.headerSize), "subject")) decodeEncodedWords(v);
}

describe("MIME parser under random input", () => {
  it("survives 2500 mutated corpus messages", () => {
    const rng = prng(0x5eed);
    for (let i = 0; i < 2500; i++) {
      const raw = mutate(rng, pick(rng, corpus));
      try {
        checkMessage(raw);
      } catch (err) {
        throw new Error(`case ${i}: ${raw.toString("base64")}\n${err}`);
      }
    }
  });

  it("survives 1500 generated MIME trees", () => {
    const rng = prng(42);
    for (let i = 0; i < 1500; i++) {
      const raw = Buffer.from(generate(rng, 0), "latin1");
      const mutated = rng() < 0.5 ? mutate(rng, raw) : raw;
      try {
        checkMessage(mutated);
      } catch (err) {
        throw new Error(`case ${i}: ${mutated.toString("base64")}\n${err}`);
      }
    }
  });

  it("survives random bytes", () => {
    const rng = prng(7);
    for (let i = 0; i < 500; i++) {
      const raw = Buffer.from(Array.from({ length: int(rng, 600) }, () => int(rng, 256)));
      checkMessage(raw);
    }
  });

  it("stays linear on hostile shapes (each under 1.5 s)", () => {
    const cases: Array<[string, Buffer]> = [
      [
        "100k nested multiparts",
        Buffer.from(
          Array.from(
            { length: 100_000 },
            (_, i) => `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`,
          ).join(""),
        ),
      ],
      ["100k nested messages", Buffer.from("Content-Type: message/rfc822\r\n\r\n".repeat(100_000))],
      [
        "200k empty parts",
        Buffer.from(`Content-Type: multipart/mixed; boundary=x\r\n\r\n${"--x\r\n\r\n".repeat(200_000)}`),
      ],
      ["500k header lines without a colon", Buffer.from("abc def\r\n".repeat(500_000))],
      ["20 MB without a line break", Buffer.alloc(20_000_000, 0x41)],
      ["200k addresses", Buffer.from(`To: ${"a@b, ".repeat(200_000)}\r\n\r\n`)],
      ["200k open comments", Buffer.from(`To: ${"(".repeat(200_000)}\r\n\r\n`)],
      ["100k RFC 2231 pieces", Buffer.from(`Content-Type: text/plain${"; a*1*=b".repeat(100_000)}\r\n\r\n`)],
    ];
    for (const [name, raw] of cases) {
      const start = performance.now();
      const a = analyzeMessage(raw);
      encodeToString([bodyStructureValue(a.bodyStructure, { extended: true })]);
      expect(performance.now() - start, name).toBeLessThan(1500);
    }
  });
});
