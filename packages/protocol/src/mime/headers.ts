// Text for SEARCH (RFC 3501 §6.4.4): header values and decoded body text,
// so HEADER, SUBJECT, FROM, BODY and TEXT keys can match case-insensitive
// substrings of what the user sees rather than of transfer encodings.
import { bytesToText, decodeCharset } from "./charset.ts";
import { decodeEncodedWords } from "./encoded-words.ts";
import { fieldText, readHeader, trimStart } from "./fields.ts";
import { charsetOf, isText, type MimePart } from "./parse.ts";
import { decodeTransfer } from "./transfer.ts";

export { decodeEncodedWords } from "./encoded-words.ts";

/** Every value of the named field in a header block, unfolded, leading white space removed, not decoded. */
export function headerValues(header: Buffer, name: string): string[] {
  const lower = name.toLowerCase();
  return readHeader(header, 0)
    .fields.filter((f) => !f.malformed && f.name.toLowerCase() === lower)
    .map((f) => trimStart(fieldText(header, f)));
}

/**
 * The text of a part for BODY/TEXT search: transfer encoding undone and
 * charset applied. A multipart gives its text parts joined by line breaks;
 * an attached message its header (encoded words decoded) and its text.
 * Parts that are not text (images, archives) contribute nothing.
 */
export function decodeBodyText(raw: Buffer, part: MimePart): string {
  if (part.kind === "multipart") {
    return part.children
      .map((c) => decodeBodyText(raw, c))
      .filter((t) => t)
      .join("\n");
  }
  if (part.kind === "message" && part.message) {
    const root = part.message.root;
    const header = decodeEncodedWords(bytesToText(raw.subarray(root.headerStart, root.headerEnd)));
    return `${header}\n${decodeBodyText(raw, root)}`;
  }
  if (!isText(part)) return "";
  return decodeCharset(decodeTransfer(raw.subarray(part.bodyStart, part.bodyEnd), part.encoding), charsetOf(part));
}
