// The fixture corpus against Dovecot 2.3.19: every .eml in fixtures/mime has
// a .json with Dovecot's ENVELOPE, BODY, BODYSTRUCTURE and section
// contents (recorded with fixtures/mime/record-dovecot.ts), our exact wire
// strings, and the places where we differ on purpose, each with its reason.

import { isUtf8 } from "node:buffer";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  analyzeMessage,
  applyPartial,
  bodyStructureValue,
  envelopeValue,
  extractSection,
  parseSection,
  toCrlf,
} from "../src/mime/index.ts";
import { encodeToString } from "../src/wire/encoder.ts";
import { type Token, tokenize } from "../src/wire/tokens.ts";
import { checkBody, checkEnvelope, readWire } from "./fixtures/mime/wire-grammar.ts";

const DIR = new URL("./fixtures/mime/", import.meta.url);

type Bytes = string | { base64: string };
type Item = "envelope" | "body" | "bodystructure";

interface Fixture {
  about: string;
  wire: Record<Item, string>;
  dovecot: Record<Item, string>;
  sections: Record<string, Bytes>;
  deviations?: Record<string, { why: string; ours?: Bytes }>;
}

const toBuffer = (b: Bytes): Buffer =>
  typeof b === "string" ? Buffer.from(b, "utf8") : Buffer.from(b.base64, "base64");
const show = (b: Buffer): string => (isUtf8(b) ? b.toString("utf8") : `base64:${b.toString("base64")}`);

const names = readdirSync(DIR)
  .filter((f) => f.endsWith(".eml"))
  .map((f) => f.slice(0, -4))
  .sort();

function load(name: string): { raw: Buffer; fixture: Fixture } {
  return {
    raw: readFileSync(new URL(`${name}.eml`, DIR)),
    fixture: JSON.parse(readFileSync(new URL(`${name}.json`, DIR), "utf8")) as Fixture,
  };
}

function wireOf(raw: Buffer): Record<Item, string> {
  const a = analyzeMessage(raw);
  return {
    envelope: encodeToString([envelopeValue(a.envelope)]),
    body: encodeToString([bodyStructureValue(a.bodyStructure, { extended: false })]),
    bodystructure: encodeToString([bodyStructureValue(a.bodyStructure, { extended: true })]),
  };
}

/** `BODY[<key>]` through the real tokenizer, so the section parser sees what a client sends. */
function sectionToken(key: string): Extract<Token, { type: "atom" }> {
  const m = /^(.*?)(<[\d.]+>)?$/.exec(key)!;
  const cmd = tokenize({ lines: [Buffer.from(`a FETCH 1 BODY[${m[1]}]${m[2] ?? ""}`)], literals: [] });
  return cmd.tokens[2] as Extract<Token, { type: "atom" }>;
}

describe("MIME corpus", () => {
  it("has at least 15 messages, each with its recorded expectations", () => {
    expect(names.length).toBeGreaterThanOrEqual(15);
    for (const name of names) {
      const { fixture } = load(name);
      expect(fixture.about, name).not.toBe("TODO");
      for (const [what, d] of Object.entries(fixture.deviations ?? {}))
        expect(d.why, `${name} ${what}`).not.toBe("TODO");
    }
  });

  describe.each(names)("%s", (name) => {
    const { raw, fixture } = load(name);
    const ours = wireOf(raw);

    it.each(["envelope", "body", "bodystructure"] as const)("%s: exact wire string, RFC 3501 grammar", (item) => {
      expect(ours[item]).toBe(fixture.wire[item]);
      if (item === "envelope") checkEnvelope(ours[item]);
      else checkBody(ours[item], item === "bodystructure");
    });

    it.each(["envelope", "body", "bodystructure"] as const)(
      "%s: same as Dovecot unless a deviation says why",
      (item) => {
        const deviation = fixture.deviations?.[item];
        if (deviation) {
          expect(deviation.why.length).toBeGreaterThan(20);
          expect(readWire(ours[item])).not.toEqual(readWire(fixture.dovecot[item]));
        } else {
          // Compared as trees: Dovecot sends some strings as literals where we quote them.
          expect(readWire(ours[item])).toEqual(readWire(fixture.dovecot[item]));
        }
      },
    );

    it("sections match Dovecot's bytes", () => {
      const { tree } = analyzeMessage(raw);
      for (const [key, dovecot] of Object.entries(fixture.sections)) {
        const token = sectionToken(key);
        const got = applyPartial(extractSection(raw, tree, parseSection(token.section ?? [])), token.partial);
        const expected = fixture.deviations?.[`BODY[${key}]`]?.ours ?? dovecot;
        expect(show(got), `BODY[${key}]`).toBe(show(toBuffer(expected)));
      }
    });

    it("round-trips through JSON (the store caches ENVELOPE and BODYSTRUCTURE as JSON)", () => {
      const a = analyzeMessage(raw);
      const cached = JSON.parse(JSON.stringify({ envelope: a.envelope, bodyStructure: a.bodyStructure }));
      expect(encodeToString([envelopeValue(cached.envelope)])).toBe(ours.envelope);
      expect(encodeToString([bodyStructureValue(cached.bodyStructure, { extended: true })])).toBe(ours.bodystructure);
    });
  });

  it("a bare-LF message converted with toCrlf matches Dovecot exactly, sizes and sections included", () => {
    const { raw, fixture } = load("bare-lf");
    const crlf = toCrlf(raw);
    expect(crlf.includes("\r\n")).toBe(true);
    const ours = wireOf(crlf);
    for (const item of ["envelope", "body", "bodystructure"] as const) {
      expect(readWire(ours[item])).toEqual(readWire(fixture.dovecot[item]));
    }
    const { tree } = analyzeMessage(crlf);
    for (const [key, dovecot] of Object.entries(fixture.sections)) {
      const token = sectionToken(key);
      expect(show(extractSection(crlf, tree, parseSection(token.section ?? []))), key).toBe(show(toBuffer(dovecot)));
    }
  });
});
