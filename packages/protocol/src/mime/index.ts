// The MIME module: parse a raw message once, then answer ENVELOPE,
// BODY/BODYSTRUCTURE, BODY[section] and SEARCH from the result.
export { parseAddressList } from "./address.ts";
export { analyzeMessage, type MessageAnalysis } from "./analyze.ts";
export {
  type BodyBasic,
  type BodyDisposition,
  type BodyMessage,
  type BodyMultipart,
  type BodyParam,
  type BodyStructure,
  type BodyText,
  bodyStructure,
  bodyStructureValue,
} from "./bodystructure.ts";
export { bytesToText, decodeCharset } from "./charset.ts";
export { toCrlf } from "./crlf.ts";
export { type Address, type Envelope, envelopeValue, parseEnvelope } from "./envelope.ts";
export { fieldText, type HeaderField, readHeader } from "./fields.ts";
export { decodeBodyText, decodeEncodedWords, headerValues } from "./headers.ts";
export type { ContentType, Disposition, MimeParam } from "./params.ts";
export { charsetOf, MAX_MIME_DEPTH, MAX_MIME_PARTS, type MimePart, type MimePartKind, parseMessage } from "./parse.ts";
export {
  applyPartial,
  extractSection,
  findPart,
  formatSection,
  parseSection,
  type SectionKind,
  type SectionSpec,
} from "./section.ts";
export { decodeTransfer } from "./transfer.ts";
