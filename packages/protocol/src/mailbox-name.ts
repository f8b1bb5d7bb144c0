// Mailbox names on the wire: modified UTF-7 (RFC 3501 §5.1.3), unless the
// client sends raw UTF-8 (some do, though it is not legal without UTF8=ACCEPT;
// accepting it costs nothing and beats a mysterious BAD).
import { astringBytes } from "./args.ts";
import { decodeMailboxName, encodeMailboxName } from "./utf7.ts";
import { str, type Value } from "./wire/encoder.ts";
import { ParseError, type Token } from "./wire/tokens.ts";

export function mailboxArg(t: Token | undefined): string {
  const bytes = astringBytes(t, "mailbox name");
  if (bytes.some((b) => b >= 0x80)) {
    const text = bytes.toString("utf8");
    if (text.includes("\ufffd")) throw new ParseError("mailbox name is neither modified UTF-7 nor UTF-8");
    return text;
  }
  return decodeMailboxName(bytes.toString("latin1"));
}

export function mailboxValue(name: string): Value {
  return str(encodeMailboxName(name));
}

/** A mailbox name as a quoted wire string (modified UTF-7 is always printable ASCII). */
export function wireName(name: string): string {
  return `"${encodeMailboxName(name).replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}
