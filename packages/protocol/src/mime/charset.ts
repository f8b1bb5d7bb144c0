// Bytes → text. Header bytes carry no charset (RFC 5322 is ASCII; RFC 6532
// allows UTF-8), bodies and encoded words name one (RFC 2046 §4.1.2,
// RFC 2047 §2). Node's TextDecoder has the full ICU set of WHATWG labels;
// UTF-7 (RFC 2152), which WHATWG dropped but old mail still uses, is decoded
// here. Nothing in this file throws.
import { isUtf8 } from "node:buffer";
import { TextDecoder } from "node:util";

const decoders = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  let d = decoders.get(label);
  if (d === undefined) {
    try {
      d = new TextDecoder(label);
    } catch {
      d = null;
    }
    // Labels come from mail: cap the cache so a stream of junk labels cannot grow it without bound.
    if (decoders.size < 256) decoders.set(label, d);
  }
  return d;
}

function isAscii(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80) return false;
  return true;
}

/** Unlabelled 8-bit text: UTF-8 when it is valid UTF-8 (RFC 6532), else Latin-1 so no byte is lost. */
export function bytesToText(bytes: Uint8Array): string {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isAscii(b) || !isUtf8(b)) return b.toString("latin1");
  return b.toString("utf8");
}

/** Charsets whose 7-bit bytes are not ASCII text: stateful ISO-2022 and HZ, UTF-7, UTF-16/32. */
const NOT_ASCII_COMPATIBLE = /2022|utf-?7|^hz|utf-?16|utf-?32|ucs-?2|^unicode/;

/**
 * Decode `bytes` in the named charset. Unknown or missing labels fall back to
 * `bytesToText`. Text labelled US-ASCII that is valid UTF-8 is read as UTF-8:
 * mislabelled UTF-8 is far more common than real 8-bit "ASCII".
 */
export function decodeCharset(bytes: Uint8Array, charset: string | null | undefined): string {
  const label = (charset ?? "").trim().toLowerCase();
  if (!label || (isAscii(bytes) && !NOT_ASCII_COMPATIBLE.test(label))) return bytesToText(bytes);
  if (label === "us-ascii" || label === "ascii" || label === "utf-8" || label === "utf8") {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (isUtf8(b)) return b.toString("utf8");
    if (label.startsWith("utf")) return b.toString("utf8"); // keep U+FFFD for the broken sequences
    return decoderFor("windows-1252")!.decode(bytes);
  }
  if (label === "utf-7" || label === "unicode-1-1-utf-7") return decodeUtf7(bytes);
  const d = decoderFor(label);
  return d ? d.decode(bytes) : bytesToText(bytes);
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

/** RFC 2152 UTF-7: "+" starts modified base64 of UTF-16, "-" or any non-base64 character ends it; "+-" is "+". */
function decodeUtf7(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i];
    if (c !== 0x2b) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    i++;
    if (bytes[i] === 0x2d) {
      out += "+";
      i++;
      continue;
    }
    let bits = 0;
    let nbits = 0;
    const units: number[] = [];
    while (i < bytes.length && bytes[i] < 128 && B64_VALUE[bytes[i]] >= 0) {
      bits = ((bits << 6) | B64_VALUE[bytes[i]]) & 0xffffff;
      nbits += 6;
      if (nbits >= 16) {
        nbits -= 16;
        units.push((bits >> nbits) & 0xffff);
      }
      i++;
    }
    if (bytes[i] === 0x2d) i++;
    for (let k = 0; k < units.length; k += 4096) out += String.fromCharCode(...units.slice(k, k + 4096));
  }
  return out;
}
