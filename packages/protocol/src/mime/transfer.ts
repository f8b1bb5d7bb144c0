// Content-Transfer-Encoding decoding (RFC 2045 §6): base64 and
// quoted-printable to octets; 7bit, 8bit, binary and unknown encodings are
// passed through. Lenient as RFC 2045 §6.7 and §6.8 ask: characters outside
// the alphabet are ignored, a "=" that starts no escape is kept. Never throws.

const B64 = new Int16Array(256).fill(-1);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].entries()) {
  B64[c.charCodeAt(0)] = i;
}

/** RFC 2045 §6.8: groups of four alphabet characters; everything else, and what follows "=" padding, ignored. */
export function decodeBase64(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(Math.floor((input.length * 3) / 4) + 3);
  let n = 0;
  let bits = 0;
  let count = 0;
  for (const c of input) {
    const v = B64[c];
    if (v < 0) continue;
    bits = (bits << 6) | v;
    if (++count === 4) {
      out[n++] = (bits >> 16) & 0xff;
      out[n++] = (bits >> 8) & 0xff;
      out[n++] = bits & 0xff;
      bits = 0;
      count = 0;
    }
  }
  // A final partial group (missing padding) still carries whole octets.
  if (count === 2) out[n++] = (bits >> 4) & 0xff;
  else if (count === 3) {
    out[n++] = (bits >> 10) & 0xff;
    out[n++] = (bits >> 2) & 0xff;
  }
  return out.subarray(0, n);
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** RFC 2045 §6.7: "=XX" octets, "=" before a line break (after optional white space) joins lines. */
export function decodeQuotedPrintable(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== 0x3d) {
      out[n++] = c;
      continue;
    }
    const h = hex(input[i + 1]);
    const l = hex(input[i + 2]);
    if (h >= 0 && l >= 0) {
      out[n++] = h * 16 + l;
      i += 2;
      continue;
    }
    let j = i + 1;
    while (input[j] === 0x20 || input[j] === 0x09) j++;
    if (input[j] === 0x0d && input[j + 1] === 0x0a) i = j + 1;
    else if (input[j] === 0x0a) i = j;
    else if (j >= input.length) i = j;
    else out[n++] = c;
  }
  return out.subarray(0, n);
}

/** The body's octets after undoing its Content-Transfer-Encoding. */
export function decodeTransfer(body: Uint8Array, encoding: string): Buffer {
  switch (encoding.toLowerCase()) {
    case "base64":
      return decodeBase64(body);
    case "quoted-printable":
      return decodeQuotedPrintable(body);
    default:
      return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
}
