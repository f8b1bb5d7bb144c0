// What the index keeps about a message when it is stored: ENVELOPE and
// BODYSTRUCTURE (served without reading the blob), the header size (so
// header fetches read a slice) and the Message-ID.
import { analyzeMessage as analyze } from "@postern/protocol";
import type { MessageAnalysis } from "./context.ts";

export function analyzeMessage(raw: Buffer): MessageAnalysis {
  const a = analyze(raw);
  return { envelope: a.envelope, bodyStructure: a.bodyStructure, headerSize: a.headerSize, messageId: a.messageId };
}
