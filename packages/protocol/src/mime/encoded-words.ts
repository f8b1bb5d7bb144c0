// RFC 2047 encoded words ("=?charset?B|Q?text?="), decoded for SEARCH: a
// phone searching "Jürgen" must find "=?UTF-8?Q?J=C3=BCrgen?=". Lenient
// where mail is: words not separated from surrounding text are decoded too,
// a language suffix (RFC 2231 §5, "UTF-8*en") is dropped, and the bytes of
// adjacent words in the same charset are joined before decoding, so a
// character split across two words survives. White space between adjacent
// encoded words is dropped (RFC 2047 §6.2). Anything malformed stays as is.
import { decodeCharset } from "./charset.ts";
import { decodeBase64 } from "./transfer.ts";

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

function decodeQ(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) bytes.push(0x20);
    else if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c & 0xff);
  }
  return Buffer.from(bytes);
}

interface Word {
  start: number;
  end: number;
  charset: string;
  bytes: Buffer;
}

export function decodeEncodedWords(text: string): string {
  if (!text.includes("=?")) return text;
  const words: Word[] = [];
  for (const m of text.matchAll(ENCODED_WORD)) {
    const charset = m[1].replace(/\*.*$/, "");
    const bytes = m[2].toLowerCase() === "b" ? decodeBase64(Buffer.from(m[3], "latin1")) : decodeQ(m[3]);
    words.push({ start: m.index, end: m.index + m[0].length, charset, bytes });
  }
  if (words.length === 0) return text;
  let out = "";
  let pos = 0;
  for (let k = 0; k < words.length; ) {
    const first = words[k];
    out += text.slice(pos, first.start);
    // Join the run of following words that are only white space apart and share the charset.
    const run = [first.bytes];
    let last = first;
    k++;
    while (
      k < words.length &&
      /^[ \t\r\n]*$/.test(text.slice(last.end, words[k].start)) &&
      words[k].charset.toLowerCase() === first.charset.toLowerCase()
    ) {
      last = words[k++];
      run.push(last.bytes);
    }
    out += decodeCharset(Buffer.concat(run), first.charset);
    pos = last.end;
    // White space between this run and a following encoded word in another charset goes too.
    if (k < words.length && /^[ \t\r\n]*$/.test(text.slice(pos, words[k].start))) pos = words[k].start;
  }
  return out + text.slice(pos);
}
