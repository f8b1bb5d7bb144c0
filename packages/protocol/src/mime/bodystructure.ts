// RFC 3501 §7.4.2 BODY and BODYSTRUCTURE. `BodyStructure` is what the store
// caches (plain JSON); `bodyStructureValue` writes either form from it.
// Where RFC 3501 leaves a choice, Dovecot's output is followed, since phones
// are tested against it: all four extension fields are always sent, text
// parts without a charset get ("charset" "us-ascii") (the RFC 2046 §4.1.2
// default, made explicit), a multipart with no parts is shown with one empty
// text/plain part (the grammar needs at least one), and RFC 2231 parameters
// are sent as `name*` with their ext-value rather than decoded.
import type { Value } from "../wire/encoder.ts";
import { type Envelope, envelopeNode } from "./envelope.ts";
import type { MimeParam } from "./params.ts";
import { isText, type MimePart } from "./parse.ts";
import { type WireNode, wireValue } from "./wire-text.ts";

export interface BodyParam {
  name: string;
  value: string;
}

export interface BodyDisposition {
  type: string;
  params: BodyParam[] | null;
}

/** Extension data shared by single parts and multiparts (body-ext-1part / body-ext-mpart). */
interface BodyExtension {
  disposition: BodyDisposition | null;
  language: string[] | null;
  location: string | null;
}

export interface BodyMultipart extends BodyExtension {
  kind: "multipart";
  subtype: string;
  params: BodyParam[] | null;
  parts: BodyStructure[];
}

interface BodySingleFields extends BodyExtension {
  type: string;
  subtype: string;
  params: BodyParam[] | null;
  id: string | null;
  description: string | null;
  encoding: string;
  /** Octets of the body as sent (still transfer-encoded). */
  size: number;
  md5: string | null;
}

export interface BodyBasic extends BodySingleFields {
  kind: "basic";
}

export interface BodyText extends BodySingleFields {
  kind: "text";
  lines: number;
}

export interface BodyMessage extends BodySingleFields {
  kind: "message";
  envelope: Envelope;
  body: BodyStructure;
  lines: number;
}

export type BodyStructure = BodyMultipart | BodyBasic | BodyText | BodyMessage;

function wireParams(params: MimeParam[]): BodyParam[] {
  return params.map((p) =>
    p.extended === undefined ? { name: p.name, value: p.value } : { name: `${p.name}*`, value: p.extended },
  );
}

function orNull<T>(items: T[]): T[] | null {
  return items.length ? items : null;
}

/** The BodyStructure of a parsed part (the whole message for the root). */
export function bodyStructure(part: MimePart): BodyStructure {
  const ext: BodyExtension = {
    disposition: part.disposition
      ? { type: part.disposition.value, params: orNull(wireParams(part.disposition.params)) }
      : null,
    language: part.language,
    location: part.location,
  };
  const params = wireParams(part.params);
  if (part.kind === "multipart") {
    return {
      kind: "multipart",
      subtype: part.subtype,
      params: orNull(params),
      parts: part.children.map(bodyStructure),
      ...ext,
    };
  }
  if (isText(part) && !params.some((p) => p.name.toLowerCase() === "charset")) {
    params.push({ name: "charset", value: "us-ascii" });
  }
  const single: BodySingleFields = {
    type: part.type,
    subtype: part.subtype,
    params: orNull(params),
    id: part.id,
    description: part.description,
    encoding: part.encoding,
    size: part.bodyEnd - part.bodyStart,
    md5: part.md5,
    ...ext,
  };
  if (part.kind === "message" && part.message) {
    return {
      kind: "message",
      ...single,
      envelope: part.message.envelope,
      body: bodyStructure(part.message.root),
      lines: part.lines,
    };
  }
  if (isText(part)) return { kind: "text", ...single, lines: part.lines };
  return { kind: "basic", ...single };
}

function paramsNode(params: BodyParam[] | null): WireNode {
  return params ? { list: params.flatMap((p) => [p.name, p.value]) } : null;
}

function extensionNodes(bs: BodyExtension): WireNode[] {
  return [
    bs.disposition ? { list: [bs.disposition.type, paramsNode(bs.disposition.params)] } : null,
    bs.language ? { list: bs.language } : null,
    bs.location,
  ];
}

/** What Dovecot shows for a multipart without parts: RFC 3501 §9 body-type-mpart needs one. */
const EMPTY_PART: BodyText = {
  kind: "text",
  type: "text",
  subtype: "plain",
  params: [{ name: "charset", value: "us-ascii" }],
  id: null,
  description: null,
  encoding: "7bit",
  size: 0,
  lines: 0,
  md5: null,
  disposition: null,
  language: null,
  location: null,
};

function bodyNode(bs: BodyStructure, extended: boolean): WireNode {
  if (bs.kind === "multipart") {
    const parts = bs.parts.length ? bs.parts : [EMPTY_PART];
    return {
      list: [
        // `1*body SP media-subtype`: the parts are not separated.
        { run: parts.map((p) => bodyNode(p, extended)) },
        bs.subtype,
        ...(extended ? [paramsNode(bs.params), ...extensionNodes(bs)] : []),
      ],
    };
  }
  const fields: WireNode[] = [bs.type, bs.subtype, paramsNode(bs.params), bs.id, bs.description, bs.encoding, bs.size];
  if (bs.kind === "message") fields.push(envelopeNode(bs.envelope), bodyNode(bs.body, extended), bs.lines);
  else if (bs.kind === "text") fields.push(bs.lines);
  if (extended) fields.push(bs.md5, ...extensionNodes(bs));
  return { list: fields };
}

/** BODYSTRUCTURE (`extended`) or BODY (not extended) on the wire. */
export function bodyStructureValue(bs: BodyStructure, opts: { extended: boolean }): Value {
  return wireValue(bodyNode(bs, opts.extended));
}
