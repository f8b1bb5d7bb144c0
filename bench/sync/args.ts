// Command-line options of `npm run bench:sync -- [options]`.

export const USAGE = `Usage: npm run bench:sync -- [options]

Times Postern's sync engine against a real Dovecot backend: the first
indexing of a big INBOX, and how long a change takes to cross the gateway
in each direction.

  --messages N   messages in the backend's INBOX (default 10000)
  --samples N    latency samples per direction (default 100)
  --quick        1,000 messages and 20 latency samples
  --help         this text
`;

export interface Options {
  messages: number;
  /** Deliveries timed for push latency, and \\Seen changes timed the other way. */
  samples: number;
  quick: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): Options | "help" {
  let quick = false;
  let messages: number | undefined;
  let samples: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const count = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${a} needs a positive whole number, not "${v}"`);
      return n;
    };
    if (a === "--help" || a === "-h") return "help";
    else if (a === "--quick") quick = true;
    else if (a === "--messages") messages = count();
    else if (a === "--samples") samples = count();
    else throw new UsageError(`unknown option ${a}`);
  }
  return {
    messages: messages ?? (quick ? 1000 : 10_000),
    samples: samples ?? (quick ? 20 : 100),
    quick,
  };
}
