// Phase c: the first sync of a POP3 maildrop (issue 5: 1,000 messages in at
// most 10 s), next to Python's poplib downloading the same maildrop.
//
// Postern: with the gateway running (after phase b), a POP3 backend and a
// mailbox on it are provisioned as the CLI would; addMailbox's transaction
// sends `mailbox.changed`, on which the gateway's sync manager starts a
// worker. The clock runs from addMailbox returning (its commit done) until
// the mailbox is `idle` with all N messages in its INBOX index, polled as in
// phase a (indexing.ts). That covers the worker's start, its logins (a probe,
// then the sync's own), UIDL and LIST, every RETR (pipelined), parsing each
// message, the index writes, QUIT.
//
// Reference: pop3_reference.py — poplib over STLS with the same CA, USER/PASS,
// UIDL, then RETR of each message one after the other, QUIT — timed inside
// Python. It runs once untimed first: that run is the maildrop's first POP3
// session, which makes Dovecot set \Seen on the messages it had not yet
// (at QUIT; a rename of each file), work that no later session repeats.
// Then it runs twice before Postern's sync and once after, and the median
// counts, so load that comes or goes during the phase touches both sides.
import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import type { Dovecot } from "../../test/helpers/dovecot.ts";
import { memoryOf } from "../imap/memory.ts";
import { untilIndexed } from "./indexing.ts";
import type { GatewayChild, Postern } from "./postern.ts";

const REFERENCE_SCRIPT = path.join(import.meta.dirname, "pop3_reference.py");
/** Timed reference runs before Postern's sync; one more runs after it. */
const REFERENCE_RUNS_BEFORE = 2;

export interface ReferenceRun {
  /** As timed by Python: connect → QUIT answered. */
  ms: number;
  /** Message bytes received (CRLF line ends, dot-stuffing removed). */
  octets: number;
  when: "warm-up" | "before" | "after";
}

export interface Pop3Result {
  messages: number;
  /** addMailbox returning (committed) → mailbox idle with every message indexed (the headline figure). */
  indexedMs: number;
  /** addMailbox returning → the first message in the index. */
  firstVisibleMs: number;
  /** The addMailbox call itself: the gateway may have heard the NOTIFY up to this long before the clock started. */
  addMailboxMs: number;
  messagesPerSecond: number;
  /** The gateway's VmRSS once the maildrop was indexed. */
  rssKb: number;
  reference: {
    client: string;
    runs: ReferenceRun[];
    /** Median of the timed runs (not the warm-up). */
    ms: number;
    messagesPerSecond: number;
  };
  /** indexedMs / reference.ms. */
  ratio: number;
}

export async function measurePop3(opts: {
  postern: Postern;
  gateway: GatewayChild;
  dovecot: Dovecot;
  user: { user: string; password: string };
  messages: number;
  log(line: string): void;
}): Promise<Pop3Result> {
  const runs: ReferenceRun[] = [];
  const reference = async (when: ReferenceRun["when"]) => {
    const r = await poplib(opts.dovecot, opts.user, opts.messages);
    runs.push({ ...r, when });
    opts.log(`pop3: poplib ${when}: ${opts.messages} messages in ${(r.ms / 1000).toFixed(2)} s`);
  };
  await reference("warm-up");
  for (let i = 0; i < REFERENCE_RUNS_BEFORE; i++) await reference("before");
  const octets = new Set(runs.map((r) => r.octets));
  if (octets.size !== 1) throw new Error(`pop3: poplib runs received different sizes: ${[...octets].join(", ")}`);

  const db = new pg.Client({ connectionString: opts.postern.databaseUrl });
  await db.connect();
  let indexed: { firstAt?: number; doneAt: number };
  let provisioned: Awaited<ReturnType<Postern["addPop3Mailbox"]>>;
  try {
    opts.log(`pop3: provisioning the POP3 mailbox; timing its first sync`);
    provisioned = await opts.postern.addPop3Mailbox(opts.user);
    indexed = await untilIndexed(db, {
      mailboxId: provisioned.mailboxId,
      messages: opts.messages,
      // Generous: ten times the target rate (10 s per 1,000), plus start-up.
      timeoutMs: 60_000 + opts.messages * 100,
      label: "postern pop3",
      log: opts.log,
      check() {
        try {
          process.kill(opts.gateway.pid, 0);
        } catch {
          throw new Error("postern pop3: the gateway exited");
        }
      },
    });
  } finally {
    await db.end();
  }
  const rssKb = memoryOf([opts.gateway.pid]).rssKb;
  const indexedMs = indexed.doneAt - provisioned.committedAt;
  opts.log(`pop3: postern indexed ${opts.messages} messages in ${(indexedMs / 1000).toFixed(2)} s`);

  await reference("after");
  const timed = runs.filter((r) => r.when !== "warm-up").map((r) => r.ms);
  const referenceMs = median(timed);
  return {
    messages: opts.messages,
    indexedMs,
    firstVisibleMs: (indexed.firstAt ?? indexed.doneAt) - provisioned.committedAt,
    addMailboxMs: provisioned.addMailboxMs,
    messagesPerSecond: opts.messages / (indexedMs / 1000),
    rssKb,
    reference: {
      client: `Python ${pythonVersion ?? "3"} poplib: STLS, USER/PASS, UIDL, RETR each in turn, QUIT`,
      runs,
      ms: referenceMs,
      messagesPerSecond: opts.messages / (referenceMs / 1000),
    },
    ratio: indexedMs / referenceMs,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

let pythonVersion: string | undefined;

/** One run of pop3_reference.py against the maildrop. */
function poplib(
  dovecot: Dovecot,
  user: { user: string; password: string },
  expect: number,
): Promise<{ ms: number; octets: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [REFERENCE_SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", (e) => reject(new Error(`pop3: cannot run python3: ${e.message}`)));
    child.on("close", (code) => {
      if (code !== 0) {
        return reject(new Error(`pop3: poplib reference failed (exit ${code}): ${(err || out).trim().slice(-500)}`));
      }
      const r = JSON.parse(out) as { seconds: number; messages: number; octets: number; python: string };
      pythonVersion = r.python;
      resolve({ ms: r.seconds * 1000, octets: r.octets });
    });
    child.stdin.end(
      JSON.stringify({
        host: dovecot.host,
        port: dovecot.pop3Port,
        user: user.user,
        password: user.password,
        cafile: dovecot.certPath,
        expect,
      }),
    );
  });
}
