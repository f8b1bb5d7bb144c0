// RFC 5322 §3.4 address lists, read into the RFC 3501 §7.4.2 ENVELOPE
// address structure: (name adl mailbox host), with a group shown as a start
// marker (NIL NIL "group name" NIL) and an end marker (NIL NIL NIL NIL).
// Display names stay as sent (encoded words are not decoded, RFC 3501
// §7.4.2). Broken lists are read the way Dovecot reads them: an entry with
// no mailbox or domain gets "MISSING_MAILBOX"/"MISSING_DOMAIN" (a NIL host
// would read as a group marker), an angle address without ">" gets the
// host "SYNTAX_ERROR", and reading stops at garbage between entries. Obsolete syntax (RFC 5322 §4.4): routes, CFWS around dots and
// "@", empty list entries.

export interface Address {
  name: string | null;
  /** Source route ("@a.example,@b.example"), obsolete (RFC 5322 §4.4). */
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

const MISSING_MAILBOX = "MISSING_MAILBOX";
const MISSING_DOMAIN = "MISSING_DOMAIN";
const SYNTAX_ERROR = "SYNTAX_ERROR";

/** RFC 5322 §3.2.3 specials, plus white space and controls: what ends an atom. 8-bit bytes count as atext (RFC 6532). */
const SPECIALS = new Set('()<>[]:;@\\,."'.split("").map((c) => c.charCodeAt(0)));

function isAtext(code: number): boolean {
  return code > 0x20 && code !== 0x7f && !SPECIALS.has(code);
}

/**
 * Text meant for people (subjects, display names, comments): white space
 * runs become one space and the ends are trimmed. RFC 3501 leaves the form
 * open; this is Dovecot's `imap_append_string_for_humans`.
 */
export function forHumans(text: string): string {
  return text.replace(/[ \t\r\n]+/g, " ").trim();
}

class AddressReader {
  i = 0;
  /** The last comment seen: an addr-spec without a phrase takes it as its name ("john@x (John)"). */
  lastComment: string | null = null;
  constructor(readonly s: string) {}

  get atEnd(): boolean {
    return this.i >= this.s.length;
  }

  peek(): string {
    return this.s[this.i];
  }

  skipCfws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
        this.i++;
        continue;
      }
      if (c !== 0x28) return;
      let depth = 0;
      const start = this.i + 1;
      let end = s.length;
      while (this.i < s.length) {
        const d = s.charCodeAt(this.i);
        if (d === 0x5c) this.i++;
        else if (d === 0x28) depth++;
        else if (d === 0x29 && --depth === 0) {
          end = this.i;
          this.i++;
          break;
        }
        this.i++;
      }
      this.lastComment = s.slice(start, end).replace(/\\(.)/g, "$1");
    }
  }

  /** A run of atext, or of atext and dots when `dots` (obsolete phrases such as "Dr. Who", "Mary.Smith."). */
  atom(dots: boolean): string {
    const start = this.i;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (!isAtext(c) && !(dots && c === 0x2e)) break;
      this.i++;
    }
    return this.s.slice(start, this.i);
  }

  /** A quoted string's content, or null (position unchanged) when it is not terminated. */
  quoted(): string | null {
    const start = this.i;
    let out = "";
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i++];
      if (c === '"') return out;
      if (c === "\\" && this.i < this.s.length) out += this.s[this.i++];
      else out += c;
    }
    this.i = start;
    return null;
  }

  /** RFC 5322 phrase (with obsolete dots): words joined by single spaces; null on an unterminated quote. */
  phrase(): string | null {
    const words: string[] = [];
    for (;;) {
      this.skipCfws();
      if (this.peek() === '"') {
        const q = this.quoted();
        if (q === null) return null;
        words.push(q);
        continue;
      }
      const word = this.atom(true);
      if (!word) return words.join(" ");
      words.push(word);
    }
  }

  /** dot-atom with CFWS allowed around the dots (obsolete syntax), or a quoted string; "" when absent. */
  localPart(): string {
    this.skipCfws();
    if (this.peek() === '"') return this.quoted() ?? "";
    return this.dotAtom();
  }

  dotAtom(): string {
    let out = this.atom(false);
    for (;;) {
      const save = this.i;
      this.skipCfws();
      if (this.peek() !== "." || !out) {
        this.i = save;
        return out;
      }
      this.i++;
      this.skipCfws();
      const next = this.atom(false);
      out += `.${next}`;
      if (!next) return out;
    }
  }

  /** A domain after "@": dot-atom or a domain literal, brackets kept ("[192.0.2.1]"). */
  domain(): string {
    this.skipCfws();
    if (this.peek() !== "[") return this.dotAtom();
    const end = this.s.indexOf("]", this.i);
    const stop = end < 0 ? this.s.length : end + 1;
    const literal = this.s.slice(this.i, stop);
    this.i = stop;
    return literal;
  }
}

function address(name: string | null, adl: string | null, mailbox: string, host: string): Address {
  return {
    name: name ? forHumans(name) || null : null,
    adl,
    mailbox: mailbox || MISSING_MAILBOX,
    host: host || MISSING_DOMAIN,
  };
}

/** `[phrase] "<" [route ":"] local-part ["@" domain] ">"` or `addr-spec`; always yields one address. */
function readMailbox(r: AddressReader): Address {
  const start = r.i;
  const name = r.phrase();
  r.skipCfws();
  if (name !== null && r.peek() === "<") {
    r.i++;
    r.skipCfws();
    let adl: string | null = null;
    if (r.peek() === "@") {
      const hops: string[] = [];
      while (r.peek() === "@") {
        r.i++;
        hops.push(`@${r.domain()}`);
        r.skipCfws();
        while (r.peek() === ",") {
          r.i++;
          r.skipCfws();
        }
      }
      adl = hops.join(",");
      if (r.peek() === ":") r.i++;
    }
    const mailbox = r.localPart();
    r.skipCfws();
    let host = "";
    if (r.peek() === "@") {
      r.i++;
      host = r.domain();
      r.skipCfws();
    }
    // An angle address without its ">" is marked the way Dovecot marks it.
    if (r.peek() === ">") r.i++;
    else host = SYNTAX_ERROR;
    return address(name, adl, mailbox, host);
  }
  r.i = start;
  r.lastComment = null;
  const mailbox = r.localPart();
  r.skipCfws();
  let host = "";
  if (r.peek() === "@") {
    r.i++;
    host = r.domain();
    r.skipCfws();
  }
  return address(r.lastComment, null, mailbox, host);
}

/** `display-name ":" [mailbox-list] ";"`: a start marker, the members, an end marker. Null (position unchanged) when not a group. */
function readGroup(r: AddressReader, out: Address[]): boolean {
  const start = r.i;
  const name = r.phrase();
  r.skipCfws();
  if (!name || r.peek() !== ":") {
    r.i = start;
    return false;
  }
  r.i++;
  out.push({ name: null, adl: null, mailbox: forHumans(name), host: null });
  r.skipCfws();
  while (!r.atEnd && r.peek() !== ";") {
    out.push(readMailbox(r));
    r.skipCfws();
    if (r.peek() !== ",") break;
    r.i++;
    r.skipCfws();
  }
  if (r.peek() === ";") r.i++;
  out.push({ name: null, adl: null, mailbox: null, host: null });
  return true;
}

/** The addresses of one address-list header value ([] when it holds none). */
export function parseAddressList(text: string): Address[] {
  const r = new AddressReader(text);
  const out: Address[] = [];
  r.skipCfws();
  while (!r.atEnd) {
    const before = r.i;
    if (!readGroup(r, out)) out.push(readMailbox(r));
    r.skipCfws();
    if (r.peek() !== ",") break; // garbage between entries: stop, as Dovecot does
    r.i++;
    r.skipCfws();
    if (r.i === before) break;
  }
  return out;
}
