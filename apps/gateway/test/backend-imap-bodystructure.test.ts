// The IMAP driver's BODYSTRUCTURE converter (imapflow's parsed object → the
// index's BodyStructure), offline. Dovecot's own BODYSTRUCTURE of every
// message in the MIME corpus (recorded in packages/protocol/test/fixtures/
// mime) is parsed by imapflow, converted, and compared with what Postern's
// MIME analyzer computes from the same message — modulo what imapflow's
// parse cannot keep (see bodystructure.ts) — and sent back through imapflow
// to show the conversion kept everything imapflow knew.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { analyzeMessage, bodyStructureValue, encodeToString } from "@postern/protocol";
import type { MessageStructureObject } from "imapflow";
import { parser } from "imapflow/lib/handler/imap-handler.js";
import { parseBodystructure } from "imapflow/lib/tools.js";
import { describe, expect, it } from "vitest";
import { extractSection } from "../../../packages/protocol/src/mime/section.ts";
import {
  attachedHeaderSections,
  EMPTY_ENVELOPE,
  rfc2231Value,
  toBodyStructure,
} from "../src/backends/imap/bodystructure.ts";
import { meaning } from "./backend-imap-fixture.ts";

const dir = path.resolve(import.meta.dirname, "../../../packages/protocol/test/fixtures/mime");
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith(".eml"))
  .map((f) => {
    const name = f.slice(0, -4);
    const meta = JSON.parse(readFileSync(path.join(dir, `${name}.json`), "utf8")) as {
      dovecot: { bodystructure: string };
      deviations?: Record<string, unknown>;
    };
    return {
      name,
      raw: readFileSync(path.join(dir, f)),
      wire: meta.dovecot.bodystructure,
      deviations: meta.deviations,
    };
  });

/** imapflow's parse of a BODYSTRUCTURE as it arrives in a FETCH response. */
async function imapflowParse(wire: string): Promise<MessageStructureObject> {
  const response = await parser(`* 1 FETCH (BODYSTRUCTURE ${wire})`);
  const items = response.attributes?.[1];
  if (!Array.isArray(items)) throw new Error("no FETCH items");
  return parseBodystructure(items[1] as never);
}

/** An attached message's header from the raw message, by section ("2.HEADER"), as Dovecot would send it. */
function headersOf(raw: Buffer) {
  const tree = analyzeMessage(raw).tree;
  return (section: string) => {
    const pathPart = section.replace(/\.?HEADER$/, "");
    const part = pathPart ? pathPart.split(".").map(Number) : [];
    const bytes = extractSection(raw, tree, { path: part, kind: "HEADER" });
    return bytes.length ? bytes : undefined;
  };
}

describe("BODYSTRUCTURE from imapflow, over the MIME corpus", () => {
  it("has a corpus", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
  });

  for (const c of corpus) {
    it(`${c.name}: keeps everything imapflow parsed from Dovecot's BODYSTRUCTURE`, async () => {
      const parsed = await imapflowParse(c.wire);
      const ours = toBodyStructure(parsed, headersOf(c.raw));
      const back = encodeToString([bodyStructureValue(ours, { extended: true })]);
      expect(await imapflowParse(back)).toEqual(parsed);
    });

    // Where the fixture documents that Dovecot reads the message differently
    // on purpose, the check is that the difference is still there (and so
    // still documented truly); everywhere else the two must mean the same.
    const differs = Boolean(c.deviations && "bodystructure" in c.deviations);
    it(`${c.name}: ${differs ? "differs, as documented, from" : "means"} what Postern's MIME analyzer computes`, async () => {
      const ours = meaning(toBodyStructure(await imapflowParse(c.wire), headersOf(c.raw)));
      const analyzed = meaning(analyzeMessage(c.raw).bodyStructure);
      if (differs) expect(ours).not.toEqual(analyzed);
      else expect(ours).toEqual(analyzed);
    });
  }
});

describe("BODYSTRUCTURE conversion rules", () => {
  it("sends a non-ASCII parameter value back in RFC 2231 form", () => {
    expect(rfc2231Value("Prüfbericht 1.pdf")).toBe("utf-8''Pr%C3%BCfbericht%201.pdf");
    const bs = toBodyStructure(
      {
        type: "application/pdf",
        parameters: { name: "Prüfbericht.pdf", "x-plain": "ok" },
        encoding: "base64",
        size: 12,
        disposition: "attachment",
        dispositionParameters: { filename: "Prüfbericht.pdf" },
      },
      () => undefined,
    );
    expect(bs).toMatchObject({
      kind: "basic",
      type: "application",
      subtype: "pdf",
      params: [
        { name: "name*", value: "utf-8''Pr%C3%BCfbericht.pdf" },
        { name: "x-plain", value: "ok" },
      ],
      disposition: { type: "attachment", params: [{ name: "filename*", value: "utf-8''Pr%C3%BCfbericht.pdf" }] },
    });
  });

  it("uses null for absent fields, 7bit for an absent encoding, and keeps an empty disposition type", () => {
    expect(toBodyStructure({ type: "image/png", disposition: "", dispositionParameters: {} }, () => undefined)).toEqual(
      {
        kind: "basic",
        type: "image",
        subtype: "png",
        params: null,
        id: null,
        description: null,
        encoding: "7bit",
        size: 0,
        md5: null,
        disposition: { type: "", params: null },
        language: null,
        location: null,
      },
    );
  });

  it("numbers attached messages' header sections as RFC 3501 §6.4.5 does", () => {
    const text = { type: "text/plain", lineCount: 1 };
    const inner = (body: MessageStructureObject): MessageStructureObject => ({
      type: "message/rfc822",
      childNodes: [body],
      lineCount: 3,
    });
    // 1 text, 2 message(→ multipart 2.1, 2.2 message(→ text 2.2.1)), 3 message(→ message(→ text))
    const root: MessageStructureObject = {
      type: "multipart/mixed",
      childNodes: [text, inner({ type: "multipart/alternative", childNodes: [text, inner(text)] }), inner(inner(text))],
    };
    expect(attachedHeaderSections(root)).toEqual(["2.HEADER", "2.2.HEADER", "3.HEADER", "3.1.HEADER"]);
    // A message that is nothing but an attached message: its part 1 is the attached one.
    expect(attachedHeaderSections(inner(text))).toEqual(["1.HEADER"]);

    const seen: string[] = [];
    const bs = toBodyStructure(root, (s) => {
      seen.push(s);
      return s === "2.2.HEADER" ? Buffer.from("Subject: deep\r\nMessage-ID: <d@x>\r\n\r\n") : undefined;
    });
    expect(seen).toEqual(["2.HEADER", "2.2.HEADER", "3.HEADER", "3.1.HEADER"]);
    if (bs.kind !== "multipart" || bs.parts[1].kind !== "message") throw new Error("shape");
    // No header fetched: an all-NIL envelope rather than a made-up one.
    expect(bs.parts[1].envelope).toEqual(EMPTY_ENVELOPE);
    const alt = bs.parts[1].body;
    if (alt.kind !== "multipart" || alt.parts[1].kind !== "message") throw new Error("shape");
    expect(alt.parts[1].envelope).toMatchObject({ subject: "deep", messageId: "<d@x>" });
    expect(alt.parts[1].lines).toBe(3);
  });
});
