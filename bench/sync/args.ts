// Command-line options of `npm run bench:sync -- [options]`.

export const USAGE = `Usage: npm run bench:sync -- [options]

Times Postern's sync engine against a real Dovecot backend: the first
indexing of a big INBOX, how long a change takes to cross the gateway in
each direction, and the first indexing of a POP3 maildrop next to Python's
poplib downloading the same maildrop.

  --messages N       messages in the backend's INBOX (default 10000)
  --samples N        latency samples per direction (default 100)
  --spacing MS       quiet time between one sample settling and the next change (default 200)
  --pop3-messages N  messages in the POP3 maildrop (default 1000, also with --quick; 0 skips phase c)
  --quick            1,000 messages and 20 latency samples
  --help             this text
`;

export interface Options {
  messages: number;
  /** Deliveries timed for push latency, and \\Seen changes timed the other way. */
  samples: number;
  /** Milliseconds between one latency sample settling and the next change (see latency.ts). */
  spacingMs: number;
  /** Messages in the POP3 maildrop of phase c; 0 skips it. */
  pop3Messages: number;
  quick: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): Options | "help" {
  let quick = false;
  let messages: number | undefined;
  let samples: number | undefined;
  let spacingMs = 200;
  let pop3Messages = 1000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const count = (least = 1) => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      const n = Number(v);
      if (!Number.isInteger(n) || n < least) {
        throw new UsageError(`${a} needs a ${least ? "positive" : "non-negative"} whole number, not "${v}"`);
      }
      return n;
    };
    if (a === "--help" || a === "-h") return "help";
    else if (a === "--quick") quick = true;
    else if (a === "--messages") messages = count();
    else if (a === "--samples") samples = count();
    else if (a === "--spacing") spacingMs = count();
    else if (a === "--pop3-messages") pop3Messages = count(0);
    else throw new UsageError(`unknown option ${a}`);
  }
  return {
    messages: messages ?? (quick ? 1000 : 10_000),
    samples: samples ?? (quick ? 20 : 100),
    spacingMs,
    pop3Messages,
    quick,
  };
}
