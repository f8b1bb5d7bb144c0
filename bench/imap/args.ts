// Command-line options of `npm run bench:imap -- [options]`.
import type { TargetName } from "./target.ts";
import type { Sizes } from "./workloads.ts";

export const USAGE = `Usage: npm run bench:imap -- [options]

Compares Postern's IMAP gateway with Dovecot on the same messages.

  --only dovecot|postern   run one server (no ratios)
  --quick                  1,000 messages, 200 appends, 100 IDLE sessions, fewer repetitions
  --messages N             messages in the big folder (default 10000)
  --sessions N             concurrent IDLE sessions for the memory workload (default 1000)
  --help                   this text
`;

export interface Options {
  targets: TargetName[];
  quick: boolean;
  sizes: Sizes;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): Options | "help" {
  let only: TargetName | undefined;
  let quick = false;
  let messages: number | undefined;
  let sessions: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const count = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${a} needs a positive whole number`);
      return n;
    };
    if (a === "--help" || a === "-h") return "help";
    else if (a === "--quick") quick = true;
    else if (a === "--only") {
      const v = value();
      if (v !== "dovecot" && v !== "postern") throw new UsageError(`--only takes dovecot or postern, not "${v}"`);
      only = v;
    } else if (a === "--messages") messages = count();
    else if (a === "--sessions") sessions = count();
    else throw new UsageError(`unknown option ${a}`);
  }
  const sizes: Sizes = quick
    ? {
        messages: 1000,
        appends: 200,
        idleSessions: 100,
        reps: { login: 20, select: 5, fetchFlags: 5, headers: 10, changedSince: 3, append: 3 },
      }
    : {
        messages: 10_000,
        appends: 1000,
        idleSessions: 1000,
        reps: { login: 50, select: 10, fetchFlags: 10, headers: 20, changedSince: 5, append: 3 },
      };
  if (messages) sizes.messages = messages;
  if (sessions) sizes.idleSessions = sessions;
  // Workload e changes 100 unflagged messages per repetition (about 93% are unflagged).
  if (sizes.messages < 120 * (sizes.reps.changedSince + 1)) {
    throw new UsageError(`--messages must be at least ${120 * (sizes.reps.changedSince + 1)}`);
  }
  return { targets: only ? [only] : ["dovecot", "postern"], quick, sizes };
}
