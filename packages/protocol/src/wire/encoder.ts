// Response values and their wire form. Strings are written quoted when they
// can be and as literals when they must (CR, LF, NUL, 8-bit without
// UTF8=ACCEPT, or long), so no handler decides quoting on its own.

export type Value =
  | { t: "atom"; v: string }
  | { t: "str"; v: string | Buffer }
  | { t: "num"; v: number | bigint }
  | { t: "nil" }
  | { t: "list"; v: Value[] }
  | { t: "lit"; v: Buffer };

export const atom = (v: string): Value => ({ t: "atom", v });
export const str = (v: string | Buffer): Value => ({ t: "str", v });
export const nstr = (v: string | Buffer | null | undefined): Value => (v == null ? NIL : { t: "str", v });
export const num = (v: number | bigint): Value => ({ t: "num", v });
export const list = (v: Value[]): Value => ({ t: "list", v });
export const literal = (v: Buffer): Value => ({ t: "lit", v });
export const NIL: Value = { t: "nil" };

export interface EncodeOptions {
  /** UTF8=ACCEPT enabled: 8-bit UTF-8 may be sent in quoted strings (RFC 6855). */
  utf8?: boolean;
}

/** Quoted strings longer than this are sent as literals. */
const MAX_QUOTED = 1024;

/**
 * Collects response text and literal bodies without copying the bodies.
 * Text is written straight into a growing buffer (no intermediate strings
 * to flatten later: a FETCH 1:* of a big folder makes little garbage).
 */
export class Chunks {
  private buf: Buffer = Buffer.allocUnsafe(512);
  private pos = 0;
  out: Buffer[] = [];
  /** Bytes collected so far. */
  size = 0;
  add(s: string): this {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    if (this.pos + s.length * 3 > this.buf.length) this.grow(s.length * 3);
    const n = this.buf.write(s, this.pos, "utf8");
    this.pos += n;
    this.size += n;
    return this;
  }
  /**
   * Short ASCII text copied byte by byte: for the per-message pieces of a
   * big FETCH, cheaper than a call into the native UTF-8 encoder.
   */
  ascii(s: string): this {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
    this.size += n;
    return this;
  }
  /** A non-negative integer in decimal, without making a string. */
  int(v: number): this {
    if (this.pos + 16 > this.buf.length) this.grow(16);
    const buf = this.buf;
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    this.size += digits;
    let x = v;
    do {
      buf[--p] = 48 + (x % 10);
      x = Math.floor(x / 10);
    } while (x > 0);
    return this;
  }
  addBuffer(b: Buffer): this {
    this.flush();
    this.out.push(b);
    this.size += b.length;
    return this;
  }
  /** Move the text written so far into `out`. */
  flush(): void {
    if (this.pos) {
      this.out.push(this.buf.subarray(0, this.pos));
      this.buf = this.buf.subarray(this.pos);
      this.pos = 0;
    }
  }
  buffers(): Buffer[] {
    this.flush();
    return this.out;
  }
  /** Everything collected so far, leaving this empty for more. */
  take(): Buffer[] {
    const b = this.buffers();
    this.out = [];
    this.size = 0;
    return b;
  }
  private grow(need: number): void {
    // Text already written stays where it is (flushed as a slice); new text
    // goes into a fresh buffer large enough for it.
    this.flush();
    this.buf = Buffer.allocUnsafe(Math.max(need, 64 * 1024));
  }
}

function canQuote(b: Buffer, opts: EncodeOptions): boolean {
  if (b.length > MAX_QUOTED) return false;
  for (const ch of b) {
    if (ch === 0x0d || ch === 0x0a || ch === 0) return false;
    if (ch >= 0x80 && !opts.utf8) return false;
  }
  return true;
}

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

export function writeValue(out: Chunks, v: Value, opts: EncodeOptions = {}): void {
  switch (v.t) {
    case "atom":
      out.add(v.v);
      return;
    case "num":
      out.add(String(v.v));
      return;
    case "nil":
      out.add("NIL");
      return;
    case "list":
      out.add("(");
      v.v.forEach((item, i) => {
        if (i) out.add(" ");
        writeValue(out, item, opts);
      });
      out.add(")");
      return;
    case "str": {
      const b = typeof v.v === "string" ? Buffer.from(v.v, "utf8") : v.v;
      if (canQuote(b, opts)) out.add(quote(b.toString(opts.utf8 ? "utf8" : "latin1")));
      else out.add(`{${b.length}}\r\n`).addBuffer(b);
      return;
    }
    case "lit":
      out.add(`{${v.v.length}}\r\n`).addBuffer(v.v);
      return;
  }
}

export function writeValues(out: Chunks, values: Value[], opts: EncodeOptions = {}): void {
  values.forEach((v, i) => {
    if (i) out.add(" ");
    writeValue(out, v, opts);
  });
}

/** The wire form of a value list, for tests and small responses. */
export function encodeToString(values: Value[], opts: EncodeOptions = {}): string {
  const out = new Chunks();
  writeValues(out, values, opts);
  return Buffer.concat(out.buffers()).toString("utf8");
}
