// Wire text for ENVELOPE and BODYSTRUCTURE. RFC 3501 §9 writes some lists
// without separators — `body-type-mpart = 1*body SP media-subtype` and
// `env-from = "(" 1*address ")"` — so a multipart reads `(("text" …)("image" …) "mixed")`
// and an address list `((NIL NIL "a" "x")(NIL NIL "b" "y"))`. The shared
// encoder's `list` always puts a space between items, so these structures
// are rendered here into one atom Value, strings quoted or sent as literals
// by the same rule as the encoder (a literal whenever a quoted string could
// not carry it: CR, LF, NUL, 8-bit, or long; 8-bit is always a literal
// because the UTF8=ACCEPT state is not known here, and a literal is always
// valid). The atom's text is written as UTF-8, so a literal's length is the
// UTF-8 byte length of its string.
import { atom, type Value } from "../wire/encoder.ts";

/** null → NIL, number → number, string → IMAP string, `{ list }` → "(a b c)", `{ run }` → "abc". */
export type WireNode = null | number | string | { list: WireNode[] } | { run: WireNode[] };

/** Quoted strings longer than this are sent as literals (the encoder's limit). */
const MAX_QUOTED = 1024;

function stringText(s: string): string {
  if (s.length <= MAX_QUOTED && !/[^\x01-\x09\x0b\x0c\x0e-\x7f]/.test(s)) return `"${s.replace(/[\\"]/g, "\\$&")}"`;
  return `{${Buffer.byteLength(s, "utf8")}}\r\n${s}`;
}

export function wireText(node: WireNode): string {
  if (node === null) return "NIL";
  if (typeof node === "number") return String(node);
  if (typeof node === "string") return stringText(node);
  if ("list" in node) return `(${node.list.map(wireText).join(" ")})`;
  return node.run.map(wireText).join("");
}

export function wireValue(node: WireNode): Value {
  return atom(wireText(node));
}
