// Bare LF line ends → CRLF. RFC 5322 §2.3 and RFC 3501 §6.4.5 count octets
// of CRLF-terminated lines; a message that arrives with bare LFs (POP3
// backends, files dropped in by tools) should be converted once, before it
// is stored, so RFC822.SIZE, BODYSTRUCTURE sizes and section bytes agree
// with what clients count (Dovecot converts on the fly). The parser itself
// accepts either form.

/** The message with every LF not preceded by CR turned into CRLF; the same Buffer when there is none. */
export function toCrlf(raw: Buffer): Buffer {
  let bare = 0;
  for (let pos = raw.indexOf(0x0a); pos >= 0; pos = raw.indexOf(0x0a, pos + 1)) {
    if (pos === 0 || raw[pos - 1] !== 0x0d) bare++;
  }
  if (bare === 0) return raw;
  const out = Buffer.allocUnsafe(raw.length + bare);
  let n = 0;
  let from = 0;
  for (let pos = raw.indexOf(0x0a); pos >= 0; pos = raw.indexOf(0x0a, pos + 1)) {
    if (pos > 0 && raw[pos - 1] === 0x0d) continue;
    n += raw.copy(out, n, from, pos);
    out[n++] = 0x0d;
    from = pos;
  }
  n += raw.copy(out, n, from);
  return out;
}
