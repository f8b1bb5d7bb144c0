// The incremental command framer. It never blocks and never buffers more than
// the limits allow: fed bytes in any pieces (one at a time in the tests), it
// answers with complete commands, or asks the session to decide on a literal
// before any of the literal's bytes are kept (RFC 3501 §7.5 synchronising
// literals, RFC 7888 LITERAL+).
import { MAX_COMMAND_BYTES, MAX_LINE_BYTES } from "../limits.ts";

/** A complete command: `lines[i]` is followed by `literals[i]` for every literal. CRLFs removed. */
export interface RawCommand {
  lines: Buffer[];
  literals: Buffer[];
}

export type ReceiverEvent =
  | { type: "command"; command: RawCommand }
  /**
   * A literal was announced. The session must call accept() or reject(). For a
   * synchronising literal it then answers "+ ..." (accept) or a tagged
   * NO/BAD (reject); a rejected non-synchronising literal is read and dropped.
   */
  | { type: "literal"; size: number; sync: boolean; head: Buffer }
  /** A line or command beyond the limits; what was read of it is dropped. */
  | { type: "tooLong"; head: Buffer };

type Mode =
  | { kind: "line" }
  | { kind: "decide"; size: number; sync: boolean }
  | { kind: "literal"; remaining: number; chunks: Buffer[] }
  | { kind: "discardLiteral"; remaining: number }
  | { kind: "discardLine" };

const LITERAL_AT_END = /~?\{(\d{1,12})(\+?)\}$/;

export class CommandReceiver {
  private pending: Buffer = Buffer.alloc(0);
  private mode: Mode = { kind: "line" };
  private lines: Buffer[] = [];
  private literals: Buffer[] = [];
  private commandBytes = 0;
  private readonly maxLine: number;
  private readonly maxCommand: number;

  constructor(opts: { maxLine?: number; maxCommand?: number } = {}) {
    this.maxLine = opts.maxLine ?? MAX_LINE_BYTES;
    this.maxCommand = opts.maxCommand ?? MAX_COMMAND_BYTES;
  }

  /**
   * Bytes received and not yet looked at (for back-pressure on pipelining
   * clients). The bytes of a literal being collected do not count: they are
   * needed to finish the command, so reading must go on.
   */
  get buffered(): number {
    return this.pending.length;
  }

  /** True while a literal's bytes are being collected or a decision is pending. */
  get midCommand(): boolean {
    return this.mode.kind !== "line" || this.lines.length > 0;
  }

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
  }

  /** Drop everything buffered: after STARTTLS nothing sent in the clear may be executed (RFC 2595 §3.1). */
  reset(): void {
    this.pending = Buffer.alloc(0);
    this.mode = { kind: "line" };
    this.startCommand();
  }

  accept(): void {
    if (this.mode.kind !== "decide") throw new Error("no literal awaiting a decision");
    this.mode = { kind: "literal", remaining: this.mode.size, chunks: [] };
  }

  reject(): void {
    if (this.mode.kind !== "decide") throw new Error("no literal awaiting a decision");
    // A client told NO to a synchronising literal does not send it; a
    // non-synchronising one is already on its way and must be read past.
    this.mode = this.mode.sync ? { kind: "line" } : { kind: "discardLiteral", remaining: this.mode.size };
    this.startCommand();
  }

  /** The next event, or null when more bytes are needed (or a literal decision is pending). */
  next(): ReceiverEvent | null {
    for (;;) {
      switch (this.mode.kind) {
        case "decide":
          return null;
        case "literal": {
          const m = this.mode;
          if (!this.pending.length) return null;
          const take = Math.min(m.remaining, this.pending.length);
          m.chunks.push(this.pending.subarray(0, take));
          this.pending = this.pending.subarray(take);
          m.remaining -= take;
          if (m.remaining > 0) return null;
          this.literals.push(m.chunks.length === 1 ? m.chunks[0] : Buffer.concat(m.chunks));
          this.mode = { kind: "line" };
          continue;
        }
        case "discardLiteral": {
          const m = this.mode;
          const take = Math.min(m.remaining, this.pending.length);
          this.pending = this.pending.subarray(take);
          m.remaining -= take;
          if (m.remaining > 0) return null;
          this.mode = { kind: "discardLine" };
          continue;
        }
        case "discardLine": {
          const lf = this.pending.indexOf(0x0a);
          if (lf < 0) {
            this.pending = Buffer.alloc(0);
            return null;
          }
          const line = trimCr(this.pending.subarray(0, lf));
          this.pending = this.pending.subarray(lf + 1);
          const lit = LITERAL_AT_END.exec(line.toString("latin1"));
          // The rest of a rejected command may announce more non-synchronising literals.
          this.mode = lit && lit[2] === "+" ? { kind: "discardLiteral", remaining: Number(lit[1]) } : { kind: "line" };
          continue;
        }
        case "line": {
          const lf = this.pending.indexOf(0x0a);
          if (lf < 0) {
            if (this.pending.length > this.maxLine) return this.overflow();
            return null;
          }
          if (lf > this.maxLine) return this.overflow();
          const line = trimCr(this.pending.subarray(0, lf));
          this.pending = this.pending.subarray(lf + 1);
          this.commandBytes += line.length;
          if (this.commandBytes > this.maxCommand) {
            const head = this.lines[0] ?? line;
            this.startCommand();
            // A non-synchronising literal this line announces is on its way:
            // read past it (and the rest of its command), never run it.
            const lit = LITERAL_AT_END.exec(line.subarray(Math.max(0, line.length - 20)).toString("latin1"));
            this.mode =
              lit && lit[2] === "+" ? { kind: "discardLiteral", remaining: Number(lit[1]) } : { kind: "line" };
            return { type: "tooLong", head };
          }
          this.lines.push(line);
          const lit = LITERAL_AT_END.exec(line.subarray(Math.max(0, line.length - 20)).toString("latin1"));
          if (!lit) {
            const command = { lines: this.lines, literals: this.literals };
            this.startCommand();
            return { type: "command", command };
          }
          const size = Number(lit[1]);
          const sync = lit[2] !== "+";
          this.mode = { kind: "decide", size, sync };
          return { type: "literal", size, sync, head: this.lines[0] };
        }
      }
    }
  }

  /** Count a literal about to be accepted against the command's size budget. */
  wouldExceed(size: number): boolean {
    return this.commandBytes + size > this.maxCommand;
  }

  /** Bytes of an accepted literal count towards the command total (APPEND literals are exempt by the session). */
  chargeLiteral(size: number): void {
    this.commandBytes += size;
  }

  private overflow(): ReceiverEvent {
    const head = Buffer.from(this.lines[0] ?? this.pending.subarray(0, Math.min(this.pending.length, 200)));
    this.startCommand();
    // discardLine drops through the end of this line (and any literal it announces).
    this.mode = { kind: "discardLine" };
    return { type: "tooLong", head };
  }

  private startCommand(): void {
    this.lines = [];
    this.literals = [];
    this.commandBytes = 0;
  }
}

function trimCr(line: Buffer): Buffer {
  return line.length && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
}

/** The tag at the start of a command line, if it looks like one (for error replies). */
export function tagOf(head: Buffer): string | null {
  const sp = head.indexOf(0x20);
  // No space in the first 64 bytes: whatever comes first is not a tag we accept.
  if ((sp < 0 && head.length > 64) || sp > 64) return null;
  const tag = head.subarray(0, sp < 0 ? Math.min(head.length, 64) : sp).toString("latin1");
  return /^[\x21-\x7e]{1,64}$/.test(tag) && !/[(){%*"\\+]/.test(tag) ? tag : null;
}
