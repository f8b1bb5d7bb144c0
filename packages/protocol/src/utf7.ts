// Modified UTF-7 mailbox names (RFC 3501 §5.1.3): printable US-ASCII stands
// for itself except "&", written "&-"; everything else is UTF-16BE in base64
// with "," for "/", no padding, between "&" and "-".
//
// Decoding is strict, like Dovecot's imap_utf7_to_utf8() (src/lib-imap/imap-utf7.c):
// a name has one spelling, so two spellings can never name two mailboxes.
import { ParseError } from "./wire/tokens.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const isDirect = (c: number): boolean => c >= 0x20 && c <= 0x7e;

function invalid(reason: string): never {
  throw new ParseError(`invalid mailbox name: ${reason}`);
}

function encodeRun(units: number[]): string {
  let out = "&";
  let bits = 0;
  let acc = 0;
  for (const u of units) {
    acc = (acc << 16) | u;
    bits += 16;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(acc >>> bits) & 0x3f];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (6 - bits)) & 0x3f];
  return `${out}-`;
}

/** UTF-8 (a JS string) → modified UTF-7. Throws on lone surrogates (not Unicode text). */
export function encodeMailboxName(name: string): string {
  let out = "";
  let run: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (isDirect(c)) {
      if (run.length) {
        out += encodeRun(run);
        run = [];
      }
      out += c === 0x26 ? "&-" : name[i];
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = name.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) invalid("unpaired surrogate");
      run.push(c, next);
      i++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) invalid("unpaired surrogate");
    run.push(c);
  }
  if (run.length) out += encodeRun(run);
  return out;
}

/** Decode the base64 between "&" and "-" into UTF-16 code units. */
function decodeRun(b64: string): string {
  const n = b64.length;
  // Canonical length: ceil(16k / 6) characters for k code units, and the
  // leftover bits are zero. Anything else is padding or a truncated unit.
  const units = Math.floor((n * 6) / 16);
  if (units === 0 || Math.ceil((units * 16) / 6) !== n) invalid("bad base64 length in &-sequence");
  const codes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const ch = b64.charCodeAt(i);
    const v = ch < 128 ? DECODE[ch] : -1;
    if (v < 0) invalid("bad character in &-sequence");
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 16) {
      bits -= 16;
      codes.push((acc >>> bits) & 0xffff);
      acc &= (1 << bits) - 1;
    }
  }
  if (acc !== 0) invalid("non-zero padding bits in &-sequence");
  let out = "";
  for (let i = 0; i < codes.length; i++) {
    const u = codes[i];
    if (u >= 0xd800 && u <= 0xdbff) {
      const low = codes[i + 1];
      if (!(low >= 0xdc00 && low <= 0xdfff)) invalid("unpaired surrogate in &-sequence");
      out += String.fromCharCode(u, low);
      i++;
      continue;
    }
    if (u >= 0xdc00 && u <= 0xdfff) invalid("unpaired surrogate in &-sequence");
    // Dovecot: an encoded NUL would truncate names in C code; printable ASCII
    // must be written directly (the same name must have one spelling).
    if (u === 0) invalid("encoded NUL");
    if (isDirect(u)) invalid("printable ASCII must not be encoded");
    out += String.fromCharCode(u);
  }
  return out;
}

/** Modified UTF-7 → UTF-8 (a JS string). Throws ParseError on anything non-canonical. */
export function decodeMailboxName(wire: string): string {
  let out = "";
  let i = 0;
  let afterRun = false;
  while (i < wire.length) {
    const c = wire.charCodeAt(i);
    if (!isDirect(c)) invalid("8-bit or control character (use modified UTF-7)");
    if (c !== 0x26) {
      out += wire[i++];
      afterRun = false;
      continue;
    }
    const end = wire.indexOf("-", i + 1);
    if (end < 0) invalid("unterminated &-sequence");
    if (end === i + 1) {
      out += "&";
      afterRun = false;
    } else {
      // Two adjacent runs ("&AOQ-&APY-") must be one run.
      if (afterRun) invalid("adjacent &-sequences");
      out += decodeRun(wire.slice(i + 1, end));
      afterRun = true;
    }
    i = end + 1;
  }
  return out;
}

/** Whether a name is valid modified UTF-7. */
export function isValidMailboxName(wire: string): boolean {
  try {
    decodeMailboxName(wire);
    return true;
  } catch {
    return false;
  }
}
