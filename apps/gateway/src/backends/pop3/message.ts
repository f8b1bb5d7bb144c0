// A downloaded message as the index wants it. POP3 gives nothing but the
// bytes, so everything is computed from them with the index's own MIME
// code — the same ENVELOPE and BODYSTRUCTURE an APPEND of these bytes
// would have stored.
import { analyzeMessage } from "@postern/protocol";
import { parseEnvelope } from "../../../../../packages/protocol/src/mime/envelope.ts";
import type { RemoteMessage } from "../types.ts";

/** The Date header when it can be read; else "when we first saw it" (POP3 has no INTERNALDATE). */
function dateOf(header: string | null, now: Date): Date {
  const date = new Date(header ?? Number.NaN);
  return Number.isNaN(date.getTime()) ? now : date;
}

export function toRemoteMessage(uid: string, raw: Buffer, now = new Date()): RemoteMessage {
  const analysis = analyzeMessage(raw);
  const header = raw.subarray(0, analysis.headerSize);
  const envelope = parseEnvelope(header);
  return {
    ref: uid,
    // POP3 keeps no flags; Postern keeps the phones' own.
    flags: [],
    internalDate: dateOf(envelope.date, now),
    size: raw.length,
    header,
    envelope,
    bodyStructure: analysis.bodyStructure,
    messageId: analysis.messageId,
    raw,
  };
}
