// What submission does to a message on its way into the outbox, as pure
// functions of its bytes: CRLF line ends, the header fields an MSA may add
// when missing (RFC 6409 §8.2 Date, §8.3 Message-ID), a trace field for the
// relayed copy (RFC 5321 §4.4), and Bcc removed from it (RFC 5322 §3.6.3:
// the recipients of a blind copy must not be revealed to the others).
import { randomUUID } from "node:crypto";
import { fieldText, type HeaderField, parseAddressList, readHeader, toCrlf } from "@postern/protocol";

export interface PreparedMessage {
  /** As the phone wrote it, with Date/Message-ID added if it had none: the Sent copy (Bcc kept). */
  original: Buffer;
  /** What the relay gets: a Received field on top, Bcc and Resent-Bcc removed. */
  relayed: Buffer;
  /** Addresses of every From: field, lower-cased; [] when there is none or it names no address. */
  from: string[];
  /** Addresses of every Sender: field, lower-cased. */
  sender: string[];
  /** The Subject as sent (unfolded; encoded words left encoded), or null. */
  subject: string | null;
  messageId: string;
}

export interface TraceInfo {
  /** The name the client gave in EHLO. */
  helo: string;
  clientIp: string;
  /** This server's name (POSTERN_PUBLIC_HOST). */
  host: string;
  /** "ESMTPSA" and friends (RFC 3848). */
  protocol: string;
  /** The outbox id, so the trace field finds the row. */
  id: string;
  now: Date;
}

const CRLF = Buffer.from("\r\n");

/** RFC 5322 §3.3 date-time, in UTC. */
export function rfc5322Date(d: Date): string {
  return d.toUTCString().replace("GMT", "+0000");
}

function named(fields: HeaderField[], ...names: string[]): HeaderField[] {
  return fields.filter((f) => !f.malformed && names.includes(f.name.toLowerCase()));
}

function addressesOf(raw: Buffer, fields: HeaderField[]): string[] {
  const out: string[] = [];
  for (const f of fields) {
    for (const a of parseAddressList(fieldText(raw, f))) {
      // Group markers have no host; a missing domain reads as MISSING_DOMAIN and is refused later.
      if (a.mailbox !== null && a.host !== null) out.push(`${a.mailbox}@${a.host}`.toLowerCase());
    }
  }
  return out;
}

export function prepareMessage(given: Buffer, trace: TraceInfo): PreparedMessage {
  const raw = toCrlf(given);
  const block = readHeader(raw, 0);
  const fields = block.fields;
  // Where added fields go: before the empty line, or at the end of a message that has none.
  const hasBlankLine = endsWithEmptyLine(raw, block.headerEnd);
  const insertAt = hasBlankLine ? block.headerEnd - CRLF.length : raw.length;
  const added: string[] = [];
  if (!named(fields, "date").length) added.push(`Date: ${rfc5322Date(trace.now)}`);
  const idField = named(fields, "message-id")[0];
  const messageId = idField ? fieldText(raw, idField).trim() : `<${randomUUID()}@${trace.host}>`;
  if (!idField) added.push(`Message-ID: ${messageId}`);
  const head = raw.subarray(0, insertAt);
  const needsBreak = head.length > 0 && !(head[head.length - 2] === 0x0d && head[head.length - 1] === 0x0a);
  const extra = Buffer.from(added.map((l) => `${l}\r\n`).join(""), "utf8");
  const original = added.length
    ? Buffer.concat([head, needsBreak ? CRLF : Buffer.alloc(0), extra, hasBlankLine ? raw.subarray(insertAt) : CRLF])
    : raw;

  // The relayed copy: the same fields minus Bcc, with the trace field first.
  const originalBlock = added.length ? readHeader(original, 0) : block;
  const blind = named(originalBlock.fields, "bcc", "resent-bcc");
  const parts: Buffer[] = [Buffer.from(receivedField(trace), "utf8")];
  let from = 0;
  for (const f of blind) {
    parts.push(original.subarray(from, f.start));
    from = f.end;
  }
  parts.push(original.subarray(from));
  const subjectField = named(fields, "subject")[0];
  return {
    original,
    relayed: Buffer.concat(parts),
    from: addressesOf(raw, named(fields, "from")),
    sender: addressesOf(raw, named(fields, "sender")),
    subject: subjectField ? fieldText(raw, subjectField).trim() : null,
    messageId,
  };
}

/** Does the header block end with the empty line (rather than at the end of a body-less message)? */
function endsWithEmptyLine(raw: Buffer, end: number): boolean {
  const crlfAt = (i: number) => raw[i] === 0x0d && raw[i + 1] === 0x0a;
  return end >= 2 && crlfAt(end - 2) && (end === 2 || crlfAt(end - 4));
}

/** RFC 5321 §4.4: FROM with the EHLO name and the client's address literal, BY, WITH, ID; folded. */
function receivedField(t: TraceInfo): string {
  const literal =
    t.clientIp.includes(":") && !t.clientIp.startsWith("::ffff:")
      ? `IPv6:${t.clientIp}`
      : t.clientIp.replace(/^::ffff:/, "");
  return (
    `Received: from ${t.helo || "unknown"} ([${literal}])\r\n` +
    `\tby ${t.host} (Postern) with ${t.protocol} id ${t.id};\r\n` +
    `\t${rfc5322Date(t.now)}\r\n`
  );
}
