// The seven workloads, the same commands against either server. Each timed
// step is client-side wall time of one command exchange (or one batch), with
// one untimed warm-up first; each checks the server did the work asked
// (counts of messages and FETCH responses) so a fast wrong answer cannot win.
import { fetchCount, ImapClient, ImapError, untaggedNumber } from "./client.ts";
import type { MemorySample } from "./memory.ts";
import { benchMessage } from "./messages.ts";
import type { BenchTarget } from "./target.ts";

export interface Sizes {
  messages: number;
  appends: number;
  idleSessions: number;
  reps: { login: number; select: number; fetchFlags: number; headers: number; changedSince: number; append: number };
}

export type WorkloadId = "a" | "b" | "c" | "d" | "e" | "f";

export interface Timing {
  id: WorkloadId;
  samplesMs: number[];
  medianMs: number;
}

export interface MemoryResult {
  sessions: number;
  before: MemorySample;
  after: MemorySample;
  rssKbPerSession: number;
  pssKbPerSession: number;
}

export interface TargetResults {
  timings: Partial<Record<WorkloadId, Timing>>;
  memory?: MemoryResult;
  errors: string[];
}

type Log = (line: string) => void;

/** Run every workload; one that fails is reported and the rest still run, unless LOGIN itself fails. */
export async function runWorkloads(t: BenchTarget, sizes: Sizes, log: Log): Promise<TargetResults> {
  const out: TargetResults = { timings: {}, errors: [] };
  const timing = (id: WorkloadId, run: (t: BenchTarget, sizes: Sizes) => Promise<Timing>) => async () => {
    out.timings[id] = await run(t, sizes);
  };
  const steps: Array<[WorkloadId | "g", () => Promise<void>]> = [
    ["a", timing("a", login)],
    ["b", timing("b", select)],
    ["c", timing("c", fetchAllFlags)],
    ["d", timing("d", newestHeaders)],
    ["e", timing("e", changedSince)],
    ["f", timing("f", append)],
    [
      "g",
      async () => {
        out.memory = await idleMemory(t, sizes, log);
      },
    ],
  ];
  for (const [id, step] of steps) {
    log(`${t.name}: workload ${id}`);
    try {
      await step();
    } catch (err) {
      const message = `${t.name}: ${err instanceof Error ? err.message : String(err)}`;
      log(`${message} (workload ${id})`);
      out.errors.push(`${id}: ${message}`);
      if (err instanceof ImapError && /^LOGIN failed/.test(err.message)) break;
    }
  }
  return out;
}

async function session(t: BenchTarget): Promise<ImapClient> {
  const c = await ImapClient.connect(t.host, t.port);
  try {
    await c.login(t.user, t.password);
  } catch (err) {
    c.close();
    throw err;
  }
  return c;
}

/** Time `body` reps+1 times and drop the first (warm caches on both servers). */
async function timed(id: WorkloadId, reps: number, body: (rep: number) => Promise<number>): Promise<Timing> {
  const samplesMs: number[] = [];
  for (let rep = 0; rep <= reps; rep++) {
    const ms = await body(rep);
    if (rep > 0) samplesMs.push(ms);
  }
  return { id, samplesMs, medianMs: median(samplesMs) };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function expectCount(what: string, got: number | undefined, want: number): void {
  if (got !== want) throw new ImapError(`${what}: expected ${want}, got ${got}`);
}

// a. A fresh connection: greeting, LOGIN, LOGOUT.
function login(t: BenchTarget, sizes: Sizes): Promise<Timing> {
  return timed("a", sizes.reps.login, async () => {
    const t0 = performance.now();
    const c = await ImapClient.connect(t.host, t.port);
    try {
      await c.login(t.user, t.password);
      await c.command("LOGOUT");
    } finally {
      c.close();
    }
    return performance.now() - t0;
  });
}

// b. SELECT of the big folder, on a fresh session each time.
function select(t: BenchTarget, sizes: Sizes): Promise<Timing> {
  return timed("b", sizes.reps.select, async () => {
    const c = await session(t);
    try {
      const t0 = performance.now();
      const r = await c.command("SELECT INBOX");
      const ms = performance.now() - t0;
      expectCount("SELECT INBOX: EXISTS", untaggedNumber(r, /^\* (\d+) EXISTS/i), sizes.messages);
      return ms;
    } finally {
      await c.logout();
    }
  });
}

// c. Every message's flags, as a phone resyncs a folder.
async function fetchAllFlags(t: BenchTarget, sizes: Sizes): Promise<Timing> {
  const c = await session(t);
  try {
    await c.command("SELECT INBOX");
    return await timed("c", sizes.reps.fetchFlags, async () => {
      const t0 = performance.now();
      const r = await c.command("UID FETCH 1:* (FLAGS)");
      const ms = performance.now() - t0;
      expectCount("UID FETCH 1:* (FLAGS): FETCH responses", fetchCount(r), sizes.messages);
      return ms;
    });
  } finally {
    await c.logout();
  }
}

// d. The headers of the 50 newest messages, as a phone fills its list.
async function newestHeaders(t: BenchTarget, sizes: Sizes): Promise<Timing> {
  const c = await session(t);
  try {
    const n = untaggedNumber(await c.command("SELECT INBOX"), /^\* (\d+) EXISTS/i) ?? 0;
    return await timed("d", sizes.reps.headers, async () => {
      const t0 = performance.now();
      const r = await c.command(`FETCH ${Math.max(1, n - 49)}:${n} (BODY.PEEK[HEADER])`);
      const ms = performance.now() - t0;
      expectCount("FETCH (BODY.PEEK[HEADER]): FETCH responses", fetchCount(r), Math.min(50, n));
      if (r.untagged.some((u) => /^\* \d+ FETCH/i.test(u.text) && u.literalBytes === 0)) {
        throw new ImapError("FETCH (BODY.PEEK[HEADER]): a response carried no header bytes");
      }
      return ms;
    });
  } finally {
    await c.logout();
  }
}

// e. Resync after 100 flag changes made elsewhere (RFC 7162 CONDSTORE).
async function changedSince(t: BenchTarget, sizes: Sizes): Promise<Timing> {
  const other = await session(t);
  try {
    await other.command("SELECT INBOX");
    // Change only unflagged messages, each once, so every STORE is a real change.
    const unflagged: number[] = [];
    for (const u of (await other.command("UID FETCH 1:* (FLAGS)")).untagged) {
      const uid = /\bUID (\d+)/i.exec(u.text);
      if (uid && !/\\Flagged/i.test(u.text)) unflagged.push(Number(uid[1]));
    }
    if (unflagged.length < 100 * (sizes.reps.changedSince + 1)) throw new ImapError("too few unflagged messages");
    return await timed("e", sizes.reps.changedSince, async (rep) => {
      const c = await session(t);
      try {
        const status = await c.command("STATUS INBOX (HIGHESTMODSEQ)");
        const since = Number(/HIGHESTMODSEQ (\d+)/i.exec(status.untagged.map((u) => u.text).join(" "))?.[1]);
        if (!since) throw new ImapError("STATUS INBOX (HIGHESTMODSEQ): no HIGHESTMODSEQ");
        for (const uid of unflagged.slice(rep * 100, rep * 100 + 100)) {
          await other.command(`UID STORE ${uid} +FLAGS.SILENT (\\Flagged)`);
        }
        await c.command("SELECT INBOX (CONDSTORE)");
        const t0 = performance.now();
        const r = await c.command(`UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${since})`);
        const ms = performance.now() - t0;
        expectCount(`UID FETCH (CHANGEDSINCE ${since}): FETCH responses`, fetchCount(r), 100);
        return ms;
      } finally {
        await c.logout();
      }
    });
  } finally {
    await other.logout();
  }
}

// f. Many APPENDs on one connection, as a migration or a big upload would.
function append(t: BenchTarget, sizes: Sizes): Promise<Timing> {
  return timed("f", sizes.reps.append, async (rep) => {
    // Messages no other step uses, made before the clock starts.
    const batch = Array.from({ length: sizes.appends }, (_, k) => benchMessage(1_000_000 + rep * sizes.appends + k));
    const c = await session(t);
    try {
      const folder = `Bench-Append-${rep}`;
      await c.command(`CREATE ${folder}`);
      const t0 = performance.now();
      for (const m of batch) await c.append(folder, m.raw, m.flags, m.date);
      const ms = performance.now() - t0;
      const r = await c.command(`STATUS ${folder} (MESSAGES)`);
      expectCount(`STATUS ${folder}: MESSAGES`, untaggedNumber(r, /MESSAGES (\d+)/i), sizes.appends);
      return ms;
    } finally {
      await c.logout();
    }
  });
}

// g. Many phones waiting for mail: LOGIN, SELECT INBOX, IDLE — and what that costs the server.
async function idleMemory(t: BenchTarget, sizes: Sizes, log: Log): Promise<MemoryResult> {
  await t.fresh();
  const before = t.memory();
  const sessions: ImapClient[] = [];
  let next = 0;
  // A few openers at once, as phones reconnecting after a network change would.
  const opener = async () => {
    for (let i = next++; i < sizes.idleSessions; i = next++) {
      try {
        const c = await session(t);
        sessions.push(c);
        await c.command("SELECT INBOX");
        await c.idle();
      } catch (err) {
        next = sizes.idleSessions; // stop the other openers too
        throw new ImapError(`session ${i + 1} of ${sizes.idleSessions}: ${(err as Error).message}`);
      }
      if ((i + 1) % 250 === 0) log(`${t.name}: ${i + 1}/${sizes.idleSessions} sessions idling`);
    }
  };
  try {
    await Promise.all(Array.from({ length: 20 }, opener));
    const after = t.memory();
    return {
      sessions: sizes.idleSessions,
      before,
      after,
      rssKbPerSession: (after.rssKb - before.rssKb) / sizes.idleSessions,
      pssKbPerSession: (after.pssKb - before.pssKb) / sizes.idleSessions,
    };
  } finally {
    for (const c of sessions) c.close();
  }
}
