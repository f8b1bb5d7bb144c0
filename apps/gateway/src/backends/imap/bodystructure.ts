// imapflow's parsed BODYSTRUCTURE → the index's JSON `BodyStructure`
// (packages/protocol/src/mime/bodystructure.ts), which phones are served
// from without Postern ever reading the body.
//
// imapflow's parse is lossy, and what it loses is restored where it can be:
// - parameter values come decoded (RFC 2231 continuations joined and
//   charset-decoded, RFC 2047 encoded words decoded); a value that is not
//   ASCII is sent again in RFC 2231 form, `name*` = utf-8''<percent-encoded>,
//   which every IMAP client decodes; the original charset and language tag
//   are lost;
// - the attached message's ENVELOPE comes as imapflow's display-oriented
//   summary (dates parsed, words decoded, groups flattened); the driver
//   fetches the attached header (BODY.PEEK[<part>.HEADER]) and builds the
//   ENVELOPE from it with the same parser the index uses everywhere else.
// What cannot be restored: imapflow lower-cases types, subtypes, parameter
// names, encodings, disposition types and language tags (all case-
// insensitive by their RFCs), and Content-MD5 (base64, where case matters —
// almost never sent); a parameter repeated in one header keeps its last value.
import type { BodyStructure, Envelope } from "@postern/protocol";
import type { MessageStructureObject } from "imapflow";
import type { BodyParam } from "../../../../../packages/protocol/src/mime/bodystructure.ts";
import { parseEnvelope } from "../../../../../packages/protocol/src/mime/envelope.ts";

/** The raw header block of an attached message, by section ("2.HEADER"), when it was fetched. */
export type AttachedHeaders = (section: string) => Buffer | undefined;

/** What an attached message gets when its header could not be fetched. */
export const EMPTY_ENVELOPE: Envelope = {
  date: null,
  subject: null,
  from: null,
  sender: null,
  replyTo: null,
  to: null,
  cc: null,
  bcc: null,
  inReplyTo: null,
  messageId: null,
};

function splitType(type: string): { type: string; subtype: string } {
  const slash = type.indexOf("/");
  return slash < 0 ? { type, subtype: "" } : { type: type.slice(0, slash), subtype: type.slice(slash + 1) };
}

function isMultipart(node: MessageStructureObject): boolean {
  return node.type.startsWith("multipart/") && Array.isArray(node.childNodes);
}

function isAttachedMessage(node: MessageStructureObject): boolean {
  return node.type === "message/rfc822" && Array.isArray(node.childNodes) && node.childNodes.length > 0;
}

// RFC 2231 §7 attribute-char: what may stay unencoded in an ext-value.
const ATTRIBUTE_CHAR = /^[A-Za-z0-9!#$&+\-.^_`|~]$/;

/** RFC 2231 ext-value of a (decoded) parameter value: utf-8''%XX… */
export function rfc2231Value(value: string): string {
  let out = "utf-8''";
  for (const byte of Buffer.from(value, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && ATTRIBUTE_CHAR.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function params(map: Record<string, string> | undefined): BodyParam[] | null {
  if (!map) return null;
  const out: BodyParam[] = [];
  for (const [name, value] of Object.entries(map)) {
    // An IMAP4rev1 string carries no charset: a non-ASCII value goes back to RFC 2231 form.
    if (/^[\x00-\x7f]*$/.test(value)) out.push({ name, value });
    else out.push({ name: `${name}*`, value: rfc2231Value(value) });
  }
  return out.length ? out : null;
}

function extension(node: MessageStructureObject) {
  return {
    disposition:
      node.disposition === undefined ? null : { type: node.disposition, params: params(node.dispositionParameters) },
    language: node.language?.length ? node.language : null,
    location: node.location ?? null,
  };
}

/** Child section numbers, RFC 3501 §6.4.5: "1", "1.2", … */
function childId(id: string, k: number): string {
  return id ? `${id}.${k}` : String(k);
}

/**
 * Where an attached message's own parts are numbered from, and the section
 * of its header: a message/rfc822 part N has its header at N.HEADER and its
 * body parts at N.1, N.2 …; at the top level (a message that is itself only
 * an attached message) N is 1.
 */
function attachedId(id: string): string {
  return id || "1";
}

/** The id an attached message's body is converted with: a multipart numbers its children from the message's id; anything else is part 1 of it. */
function attachedBodyId(id: string, body: MessageStructureObject): string {
  const base = attachedId(id);
  return isMultipart(body) ? base : `${base}.1`;
}

/** The header sections to fetch so every attached message gets its exact ENVELOPE ("2.HEADER", "3.1.HEADER"…). */
export function attachedHeaderSections(root: MessageStructureObject): string[] {
  const out: string[] = [];
  const walk = (node: MessageStructureObject, id: string) => {
    if (isAttachedMessage(node)) {
      const body = node.childNodes![0];
      out.push(`${attachedId(id)}.HEADER`);
      walk(body, attachedBodyId(id, body));
    } else if (isMultipart(node)) {
      node.childNodes!.forEach((child, k) => {
        walk(child, childId(id, k + 1));
      });
    }
  };
  walk(root, "");
  return out;
}

/** Convert imapflow's BODYSTRUCTURE of a whole message. */
export function toBodyStructure(root: MessageStructureObject, headers: AttachedHeaders): BodyStructure {
  return convert(root, "", headers);
}

function convert(node: MessageStructureObject, id: string, headers: AttachedHeaders): BodyStructure {
  const { type, subtype } = splitType(node.type);
  const ext = extension(node);
  if (isMultipart(node)) {
    return {
      kind: "multipart",
      subtype,
      params: params(node.parameters),
      parts: node.childNodes!.map((child, k) => convert(child, childId(id, k + 1), headers)),
      ...ext,
    };
  }
  const single = {
    type,
    subtype,
    params: params(node.parameters),
    id: node.id ?? null,
    description: node.description ?? null,
    // RFC 2045 §6.1: no Content-Transfer-Encoding means 7bit; servers always send one.
    encoding: node.encoding ?? "7bit",
    size: node.size ?? 0,
    md5: node.md5 ?? null,
    ...ext,
  };
  if (isAttachedMessage(node)) {
    const body = node.childNodes![0];
    const header = headers(`${attachedId(id)}.HEADER`);
    return {
      kind: "message",
      ...single,
      envelope: header ? parseEnvelope(header) : EMPTY_ENVELOPE,
      body: convert(body, attachedBodyId(id, body), headers),
      lines: node.lineCount ?? 0,
    };
  }
  if (type === "text") return { kind: "text", ...single, lines: node.lineCount ?? 0 };
  return { kind: "basic", ...single };
}
