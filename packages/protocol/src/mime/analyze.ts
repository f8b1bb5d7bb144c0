// What the index stores for a message when it arrives: its ENVELOPE and
// BODYSTRUCTURE as JSON (served without touching the blob), the header size
// (so BODY[HEADER] can be read alone) and the Message-ID (for threading and
// duplicate detection).
import { type BodyStructure, bodyStructure } from "./bodystructure.ts";
import { type Envelope, envelopeFromFields } from "./envelope.ts";
import { readHeader } from "./fields.ts";
import { type MimePart, parseMessage } from "./parse.ts";

export interface MessageAnalysis {
  tree: MimePart;
  envelope: Envelope;
  bodyStructure: BodyStructure;
  /** Octets of the top-level header, including the empty line. */
  headerSize: number;
  /** The Message-ID's `<id>` token, or the trimmed value when it has none; null when absent or empty. */
  messageId: string | null;
}

export function analyzeMessage(raw: Buffer): MessageAnalysis {
  const tree = parseMessage(raw);
  const envelope = envelopeFromFields(raw, readHeader(raw, 0, undefined, tree.headerEnd).fields);
  const id = envelope.messageId?.trim() ?? "";
  const token = /<[^<>\s]+>/.exec(id);
  return {
    tree,
    envelope,
    bodyStructure: bodyStructure(tree),
    headerSize: tree.headerEnd,
    messageId: token ? token[0] : id || null,
  };
}
