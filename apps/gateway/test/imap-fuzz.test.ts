// Generated input against live sessions: ≥100,000 random and mutated command
// lines, pipelined in batches over raw sockets to a running gateway (some
// sessions unauthenticated, some logged in, most with INBOX selected). Every
// byte the server sends is parsed as IMAP responses; afterwards the gateway
// must still serve a real client and the mail index must be consistent.
// Reproduce with FUZZ_SEED=<seed printed below> (inputs are derived per
// worker and connection, printed with each violation); FUZZ_COMMANDS=n.
import { randomInt } from "node:crypto";
import v8 from "node:v8";
import vm from "node:vm";
import { type SeededMailbox, seedMailbox } from "@postern/db/seed";
import { toCrlf } from "@postern/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REGISTRY } from "../../../packages/protocol/src/commands/registry.ts";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow, message } from "../../../test/helpers/imap.ts";
import { eventually } from "../../../test/helpers/ports.ts";
import { type ParsedResponse, parseResponse, RawImap, ResponseSyntaxError } from "../../../test/helpers/raw-imap.ts";

const SEED = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31));
const TARGET = Number(process.env.FUZZ_COMMANDS ?? 100_000);
const WORKERS = 4;
const BATCH = 1500;
const BATCHES_PER_CONNECTION = 3;
const STALL_MS = 400;
const DEADLINE_MS = 80_000;

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---- the corpus: every command in commands/registry.ts ----------------------
// ~ADDR~ ~PASS~ ~PLAIN~ ~N~ are filled in; «x» becomes a literal holding x («MSG»: a message).
const CORPUS: Array<[name: string, weight: number, text: string]> = [
  ["CAPABILITY", 2, "CAPABILITY"],
  ["NOOP", 2, "NOOP"],
  ["LOGOUT", 0.05, "LOGOUT"],
  ["ID", 2, 'ID ("name" "fuzz" "version" «1.0»)'],
  ["ID", 1, "ID NIL"],
  ["STARTTLS", 0.2, "STARTTLS"],
  ["LOGIN", 0.2, 'LOGIN "~ADDR~" ~PASS~'],
  ["LOGIN", 0.5, "LOGIN nobody@example.invalid «secret»"],
  ["AUTHENTICATE", 0.3, "AUTHENTICATE PLAIN ~PLAIN~"],
  ["AUTHENTICATE", 0.5, "AUTHENTICATE PLAIN\r\n*"],
  ["AUTHENTICATE", 0.3, "AUTHENTICATE XOAUTH2 dGVzdA=="],
  ["ENABLE", 1, "ENABLE CONDSTORE QRESYNC"],
  ["NAMESPACE", 1, "NAMESPACE"],
  ["COMPRESS", 0.1, "COMPRESS DEFLATE"],
  ["COMPRESS", 0.5, "COMPRESS GZIP"],
  ["SELECT", 1, "SELECT INBOX (CONDSTORE)"],
  ["SELECT", 0.5, "SELECT «Fuzz/~N~» (QRESYNC (1 1 1:* (1,3 1,3)))"],
  ["EXAMINE", 1, "EXAMINE Sent"],
  ["CREATE", 0.5, "CREATE Fuzz/~N~"],
  ["CREATE", 0.3, "CREATE «&AOk-t&AOk-/~N~»"],
  ["DELETE", 0.3, "DELETE Fuzz/~N~"],
  ["DELETE", 0.2, "DELETE INBOX"],
  ["RENAME", 0.3, "RENAME Fuzz/~N~ Fuzz/~N~"],
  ["SUBSCRIBE", 0.5, "SUBSCRIBE Fuzz/~N~"],
  ["UNSUBSCRIBE", 0.5, 'UNSUBSCRIBE "Sent"'],
  ["LIST", 1, 'LIST "" *'],
  ["LIST", 1, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" "Fuzz/%") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))'],
  ["LSUB", 1, 'LSUB "" %'],
  ["STATUS", 1, "STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)"],
  ["APPEND", 1, 'APPEND Fuzz/~N~ (\\Seen $Fuzz) "01-Jan-2026 10:00:00 +0000" «MSG»'],
  ["APPEND", 0.5, "APPEND INBOX «MSG»"],
  ["IDLE", 0.5, "IDLE\r\nDONE"],
  ["CHECK", 1, "CHECK"],
  ["CLOSE", 0.05, "CLOSE"],
  ["UNSELECT", 0.05, "UNSELECT"],
  ["EXPUNGE", 0.05, "EXPUNGE"],
  ["UID EXPUNGE", 0.2, "UID EXPUNGE 1:3"],
  ["SEARCH", 2, "SEARCH CHARSET UTF-8 OR (FROM alice SINCE 1-Jan-2020) (SUBJECT «fuzz») NOT DELETED"],
  ["SEARCH", 1, "SEARCH RETURN (MIN MAX COUNT ALL) 1:* MODSEQ 1 LARGER 10 SMALLER 100000"],
  ["SEARCH", 1, 'SEARCH HEADER Message-ID "<1@fuzz>" BODY x UNKEYWORD $Fuzz'],
  ["UID SEARCH", 1, "UID SEARCH UID 1:* NOT SEEN"],
  ["FETCH", 2, "FETCH 1:5 (FLAGS UID RFC822.SIZE INTERNALDATE)"],
  ["FETCH", 2, "FETCH 1 (ENVELOPE BODYSTRUCTURE BODY)"],
  ["FETCH", 2, "FETCH 1:2 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] BODY.PEEK[1]<0.10> BODY[1.MIME])"],
  ["FETCH", 1, "FETCH 2,* (RFC822.HEADER RFC822.TEXT BODY[TEXT] RFC822)"],
  ["FETCH", 1, "FETCH 1:3 (FLAGS) (CHANGEDSINCE 1)"],
  ["FETCH", 1, "FETCH 3 FAST"],
  ["UID FETCH", 2, "UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE 1 VANISHED)"],
  ["UID FETCH", 1, "UID FETCH 2:4 FULL"],
  ["STORE", 2, "STORE 1:3 +FLAGS.SILENT (\\Flagged $Fuzz)"],
  ["STORE", 1, "STORE 2 (UNCHANGEDSINCE 1) -FLAGS (\\Seen)"],
  ["STORE", 0.1, "STORE 1 +FLAGS (\\Deleted)"],
  ["UID STORE", 1, "UID STORE 1:3 FLAGS (\\Answered)"],
  ["COPY", 0.5, "COPY 1:2 Fuzz/~N~"],
  ["UID COPY", 0.5, "UID COPY 2 «Archive»"],
  ["MOVE", 0.2, "MOVE 1 Fuzz/~N~"],
  ["UID MOVE", 0.2, "UID MOVE 2 Trash"],
];
const TOTAL_WEIGHT = CORPUS.reduce((n, [, w]) => n + w, 0);

const SPECIALS = ["(", ")", '"', "{", "}", "\\", "*", "%", "[", "]", "<", ">", "\r", "\0", "\x80", "\xff", "\xc3"];
const HUGE = ["0", "4294967295", "4294967296", "18446744073709551616", "99999999999999999999999", "-1", "00000001"];
const LONG_SET = Array.from({ length: 3000 }, (_, i) => i * 2 + 1).join(",");
const SEQS = ["0", "4294967296", "1:*:2", "*:*", "1,,2", "1:", ":5", "*", "1:4294967295", "0:0", "2,*,0", LONG_SET];

interface Account {
  address: string;
  password: string;
  plain: string;
}

function fill(r: Rng, text: string, acct: Account): string {
  const s = text
    .replaceAll("~ADDR~", acct.address)
    .replaceAll("~PASS~", acct.password)
    .replaceAll("~PLAIN~", acct.plain)
    .replace(/~N~/g, () => String(1 + r.int(4)));
  return s.replace(/«([^»]*)»/g, (_, x: string) => {
    const data = x === "MSG" ? `Subject: fuzz ${r.int(1e6)}\r\nMessage-ID: <${r.int(1e9)}@fuzz>\r\n\r\nbody\r\n` : x;
    return `{${data.length}${r.chance(0.5) ? "+" : ""}}\r\n${data}`;
  });
}

/** One mutation of a command (latin1: one char per octet). */
function mutate(r: Rng, s: string): string {
  const at = r.int(s.length + 1);
  const tokens = s.split(" ");
  const ti = r.int(tokens.length);
  const withToken = (t: string) => [...tokens.slice(0, ti), t, ...tokens.slice(ti + 1)].join(" ");
  switch (r.int(12)) {
    case 0: // byte flip (rarely a LF: a new line mid-command)
      return s.slice(0, at) + String.fromCharCode(r.chance(0.02) ? 10 : (r.int(255) + 11) % 256) + s.slice(at + 1);
    case 1:
      return s.slice(0, at);
    case 2:
      return withToken(
        Array(r.pick([2, 2, 3, 50]))
          .fill(tokens[ti])
          .join(" "),
      );
    case 3:
      return s.slice(0, at) + r.pick(SPECIALS) + (r.chance(0.3) ? r.pick(SPECIALS) : "") + s.slice(at);
    case 4: {
      // Rarely a literal's own size: a huge {n+} swallows the rest of the batch (the stall costs time).
      const nums = [...s.matchAll(/\d+(?!\+?\})/g)];
      const m = nums.length ? r.pick(nums) : null;
      return m ? s.slice(0, m.index) + r.pick(HUGE) + s.slice(m.index + m[0].length) : withToken(r.pick(HUGE));
    }
    case 5: {
      const i = tokens.findIndex((t) => /^[\d*:,]+$/.test(t));
      return i >= 0 ? [...tokens.slice(0, i), r.pick(SEQS), ...tokens.slice(i + 1)].join(" ") : withToken(r.pick(SEQS));
    }
    case 6: {
      const k = 1 + r.int(40);
      const to = at + r.int(s.length - at + 1);
      return `${s.slice(0, at)}${"(".repeat(k)}${s.slice(at, to)}${")".repeat(Math.max(0, k + r.int(3) - 1))}${s.slice(to)}`;
    }
    case 7:
    case 8: {
      // a token sent as a literal announced with the wrong size, or now and then an absurd one
      const t = tokens[ti];
      const huge = r.chance(0.01);
      const size = huge ? r.pick(HUGE.slice(1, 3)) : String(Math.max(0, t.length + r.int(7) - 3));
      return withToken(`{${size}${r.chance(huge ? 0.1 : 0.5) ? "+" : ""}}\r\n${t}`);
    }
    case 9:
      return tokens.filter((_, i) => i !== ti).join(" ");
    case 10:
      return r.chance(0.5) ? s.toLowerCase() : s.replace(/[a-z]/gi, (c) => (r.chance(0.5) ? c.toUpperCase() : c));
    default:
      return (
        s.slice(0, at) +
        Array.from({ length: 1 + r.int(8) }, () => String.fromCharCode(128 + r.int(128))).join("") +
        s.slice(at)
      );
  }
}

function fuzzUnit(r: Rng, tag: string, acct: Account): Buffer {
  const roll = r.next();
  let text: string;
  if (roll < 0.07) {
    text = Array.from({ length: r.int(300) }, () => String.fromCharCode(r.int(256)))
      .join("")
      .replaceAll("\n", " ");
    return Buffer.from(r.chance(0.5) ? `${tag} ${text}\r\n` : `${text}\r\n`, "latin1");
  }
  let w = r.next() * TOTAL_WEIGHT;
  const entry =
    CORPUS.find(([, weight]) => {
      w -= weight;
      return w < 0;
    }) ?? CORPUS[0];
  text = fill(r, entry[2], acct);
  if (roll >= 0.22) for (let k = 1 + r.int(3); k > 0; k--) text = mutate(r, text);
  const t = r.chance(0.02) ? r.pick(["", "*", "+", "x".repeat(70), "a(b", "\x01", `${tag}\x80`]) : tag;
  return Buffer.from(`${t} ${text}\r\n`, "latin1");
}

// ---- one connection: send units, parse every response, map replies to units ----

interface Violation {
  conn: string;
  what: string;
  response: string;
  commands: string[];
}
const stats = { processed: 0, sent: 0, connections: 0, byes: 0, stalls: 0, OK: 0, NO: 0, BAD: 0 };
const violations: Violation[] = [];
/** Everything each connection sent, to check stored messages against (see checkContent). */
const sentStreams: Buffer[] = [];
const show = (b: Buffer | string) => JSON.stringify(typeof b === "string" ? b : b.toString("latin1")).slice(0, 400);

class FuzzConnection {
  private readonly units: Array<{ bytes: Buffer; fuzz: boolean }> = [];
  /** Every place a command may start (after each LF we sent): its tag and unit. */
  private readonly starts: Array<{ tag: string; unit: number }> = [];
  private next = 0;
  private input: Buffer = Buffer.alloc(0);
  private readonly sent: Buffer[] = [];
  readonly replied = new Map<string, string>();
  lastReplied = -1;
  exists = -1;
  bye = false;
  stopped = false;

  constructor(
    readonly c: RawImap,
    readonly id: string,
  ) {}

  send(units: Buffer[], fuzz: boolean): void {
    for (const bytes of units) {
      const unit = this.units.push({ bytes, fuzz }) - 1;
      for (const line of bytes.toString("latin1").split("\n").slice(0, -1))
        this.starts.push({ tag: line.replace(/\r$/, "").split(" ")[0], unit });
    }
    const all = Buffer.concat(units);
    this.sent.push(all);
    this.c.send(all);
  }

  /** Read and check responses until `tag` is answered, the connection ends, or the server goes quiet. */
  async until(tag: string, quietMs = STALL_MS): Promise<"replied" | "closed" | "stalled" | "stopped"> {
    for (;;) {
      if (this.replied.has(tag)) return "replied";
      if (this.stopped) return "stopped";
      const d = await this.c.read(quietMs);
      if (d.length) this.feed(d);
      else return this.c.isClosed ? "closed" : "stalled";
    }
  }

  private feed(d: Buffer): void {
    if (this.stopped) return;
    this.input = this.input.length ? Buffer.concat([this.input, d]) : d;
    let at = 0;
    while (!this.stopped) {
      let r: ParsedResponse | null;
      try {
        r = parseResponse(this.input, at);
      } catch (err) {
        if (!(err instanceof ResponseSyntaxError)) throw err;
        const raw = this.input.subarray(err.at, err.at + 300);
        // A wrong text with sound framing is reported and read past; anything else ends the parse.
        this.violation(err.message, raw, err.response?.tag, !err.response);
        r = err.response ?? null;
      }
      if (!r) break;
      this.check(r, this.input.subarray(at, r.end));
      at = r.end;
    }
    this.input = this.input.subarray(at);
  }

  private check(r: ParsedResponse, raw: Buffer): void {
    // LOGOUT's own OK follows its BYE; the server takes "LOGOUT " with trailing blanks too (seed 1393302243).
    if (this.bye && !(r.type === "tagged" && r.status === "OK" && /^\S+ logout[ \t]*\r\n$/i.test(this.unitText(r)))) {
      this.violation("response after BYE", raw, r.tag);
      return;
    }
    if (r.code === "SERVERBUG") this.violation("internal error ([SERVERBUG])", raw, r.tag, false);
    if (r.type === "untagged" && r.status === "BYE") {
      this.bye = true;
      stats.byes++;
    }
    const exists = /^\* (\d+) EXISTS\r\n$/.exec(raw.toString("latin1"));
    if (exists) this.exists = Number(exists[1]);
    if (r.type !== "tagged" || !r.tag || !r.status) return;
    while (this.next < this.starts.length && this.starts[this.next].tag !== r.tag) this.next++;
    if (this.next >= this.starts.length) {
      this.violation("tagged reply to a tag never sent (or out of order)", raw);
      return;
    }
    const unit = this.starts[this.next++].unit;
    this.lastReplied = Math.max(this.lastReplied, unit);
    this.replied.set(r.tag, r.status);
    stats[r.status as "OK" | "NO" | "BAD"]++;
    // After OK to these the stream is TLS or DEFLATE; our pipelined clear text ends the session.
    if (r.status === "OK" && /^\S+ (STARTTLS|COMPRESS)\b/i.test(this.units[unit].bytes.toString("latin1")))
      this.stopped = true;
  }

  private unitText(r: ParsedResponse): string {
    const s = this.starts.slice(this.next).find((x) => x.tag === r.tag);
    return s ? this.units[s.unit].bytes.toString("latin1") : "";
  }

  violation(what: string, raw: Buffer | string, tag?: string, fatal = true): void {
    // The command it answers: by its tag if it has one, else the one after the last answered.
    const s = tag ? this.starts.slice(this.next).find((x) => x.tag === tag) : undefined;
    const unit = s ? s.unit : this.lastReplied + 1;
    const commands = this.units.slice(Math.max(0, unit - 1), unit + 2).map((u) => show(u.bytes));
    violations.push({ conn: this.id, what, response: show(raw), commands });
    if (fatal) this.stopped = true;
  }

  /** Fuzz units the server certainly read: those up to the last one answered. */
  finish(): void {
    stats.processed += this.units.slice(0, this.lastReplied + 1).filter((u) => u.fuzz).length;
    stats.sent += this.units.filter((u) => u.fuzz).length;
    sentStreams.push(Buffer.concat(this.sent));
  }
}

const line = (tag: string, text: string) => Buffer.from(`${tag} ${text}\r\n`, "latin1");

async function fuzzConnection(port: number, acct: Account, r: Rng, id: string): Promise<void> {
  const kind = r.pick(["unauthenticated", "authenticated", "selected", "selected", "examined"]);
  const c = await RawImap.connect(port);
  stats.connections++;
  const f = new FuzzConnection(c, `${id} (${kind})`);
  if (!c.greeting.startsWith("* OK ")) f.violation("bad greeting", c.greeting);
  const setup = async (tag: string, units: Buffer[]) => {
    f.send(units, false);
    const end = await f.until(tag, 10_000);
    if (end !== "replied" || f.replied.get(tag) !== "OK")
      f.violation(`setup ${tag} failed`, `${end} ${f.replied.get(tag)}`);
  };
  if (kind !== "unauthenticated") await setup("s1", [line("s1", `LOGIN "${acct.address}" "${acct.password}"`)]);
  if (kind === "selected" || kind === "examined") {
    const select = kind === "selected" ? "SELECT INBOX" : "EXAMINE INBOX";
    await setup("s2", [line("s2", select)]);
    // Keep a few messages to work on (the fuzz may expunge, move or rename them away).
    if (!f.stopped && f.exists < 3) {
      const msgs = [0, 1, 2].map((i) => message({ subject: `seed ${id} ${i}` }));
      await setup("s4", [
        ...msgs.map((m, i) => Buffer.concat([line(`s3${i}`, `APPEND INBOX {${m.length}+}`), m, Buffer.from("\r\n")])),
        line("s4", select),
      ]);
    }
  }
  // Before login nearly everything is refused, so such a session ends after MAX_BAD_COMMANDS.
  const batch = kind === "unauthenticated" ? 100 : BATCH;
  for (let b = 0; b < BATCHES_PER_CONNECTION && !f.stopped && !f.bye; b++) {
    const units: Buffer[] = [];
    for (let i = 0; i < batch; i++) {
      units.push(fuzzUnit(r, `t${b}.${i}`, acct));
      // Valid commands now and then keep MAX_BAD_COMMANDS from ending most sessions early.
      if (kind !== "unauthenticated" && r.chance(0.25)) units.push(line(`k${b}.${i}`, "NOOP"));
    }
    f.send(units, true);
    // A filler completes a literal left open by a lying size; the NOOP marks the end.
    f.send([line(`zf${b}`, `ID ("f" "${"x".repeat(16_000)}")`), line(`zz${b}`, "NOOP")], false);
    const end = await f.until(`zz${b}`);
    if (end === "stalled") stats.stalls++;
    if (end === "closed" && !f.bye && !f.stopped) f.violation("connection closed without BYE", c.unread());
    if (end !== "replied") break;
  }
  if (f.bye && !f.stopped) {
    await f.until("(closed)");
    await Promise.race([c.closed, new Promise((resolve) => setTimeout(resolve, 3000))]);
    if (!c.isClosed) f.violation("no close within 3 s after BYE", "");
  }
  c.close();
  f.finish();
}

// ---- after the run: the index must be consistent, every message one a client sent ----

async function indexProblems(mailboxId: string): Promise<string[]> {
  const rows = await testPrisma().$queryRawUnsafe<Array<Record<string, string | number | null>>>(
    `SELECT f.name, f.uid_next, f.first_recent_uid, f.highest_modseq::text AS highest_modseq,
       (SELECT max(uid) FROM message WHERE folder_id = f.id) AS max_uid,
       (SELECT max(modseq)::text FROM message WHERE folder_id = f.id) AS max_modseq,
       (SELECT max(uid) FROM expunge_log WHERE folder_id = f.id) AS max_expunged_uid,
       (SELECT max(modseq)::text FROM expunge_log WHERE folder_id = f.id) AS max_expunged_modseq,
       (SELECT count(*)::int FROM (SELECT uid FROM message WHERE folder_id = f.id GROUP BY uid HAVING count(*) > 1) d) AS duplicate_uids,
       (SELECT count(*)::int FROM message m JOIN expunge_log e ON e.folder_id = m.folder_id AND e.uid = m.uid
         WHERE m.folder_id = f.id) AS expunged_but_present,
       (SELECT count(*)::int FROM message m LEFT JOIN blob b ON b.id = m.blob_id WHERE m.folder_id = f.id
         AND (b.id IS NULL OR b.size <> m.size OR length(b.data) <> b.size)) AS bad_blobs
     FROM folder f WHERE f.mailbox_id = $1::uuid`,
    mailboxId,
  );
  const out: string[] = [];
  for (const f of rows) {
    const uidNext = Number(f.uid_next);
    const big = (v: unknown) => BigInt((v as string | null) ?? "0");
    if (Math.max(Number(f.max_uid ?? 0), Number(f.max_expunged_uid ?? 0)) >= uidNext)
      out.push(`${f.name}: uid_next ${uidNext} <= max uid ${f.max_uid} / expunged ${f.max_expunged_uid}`);
    if (big(f.max_modseq) > big(f.highest_modseq) || big(f.max_expunged_modseq) > big(f.highest_modseq))
      out.push(`${f.name}: highest_modseq ${f.highest_modseq} < ${f.max_modseq} / expunged ${f.max_expunged_modseq}`);
    if (Number(f.first_recent_uid) > uidNext) out.push(`${f.name}: first_recent_uid ${f.first_recent_uid} > uid_next`);
    for (const k of ["duplicate_uids", "expunged_but_present", "bad_blobs"])
      if (f[k]) out.push(`${f.name}: ${k} ${f[k]}`);
  }
  return out;
}

/**
 * Stored messages whose octets are not a literal some connection sent (a
 * framing slip would make one). The store keeps messages with CRLF line
 * ends, so a sent literal is compared in that form; the message imapflow
 * appends after the fuzz is not one of the fuzz's literals.
 */
async function foreignMessages(mailboxId: string): Promise<string[]> {
  const starts = new Map<string, Array<[Buffer, number]>>();
  for (const s of sentStreams)
    for (let i = s.indexOf("}\r\n"); i >= 0; i = s.indexOf("}\r\n", i + 1)) {
      const key = s.subarray(i + 3, i + 11).toString("latin1");
      starts.set(key, [...(starts.get(key) ?? []), [s, i + 3]]);
    }
  const blobs = await testPrisma().$queryRawUnsafe<Array<{ id: string; data: Uint8Array }>>(
    `SELECT DISTINCT b.id, b.data FROM message m JOIN folder f ON f.id = m.folder_id JOIN blob b ON b.id = m.blob_id
     WHERE f.mailbox_id = $1::uuid`,
    mailboxId,
  );
  const sentLiterals = (d: Buffer) =>
    [...starts.values()].flat().some(([s, at]) => {
      // The literal's own length is in the "{n}" or "{n+}" just before it.
      const open = s.lastIndexOf("{", at - 3); // before the "}\r\n" that ends the announcement
      const n = Number.parseInt(s.subarray(open + 1, at).toString("latin1"), 10);
      return Number.isFinite(n) && toCrlf(s.subarray(at, at + n)).equals(d);
    });
  return blobs
    .map((b) => Buffer.from(b.data))
    .filter((d) => !d.includes("Subject: after the fuzz") && !sentLiterals(d))
    .map((d) => show(d.subarray(0, 200)));
}

// Live memory, not garbage: collect before measuring.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
function memory(): NodeJS.MemoryUsage {
  gc();
  return process.memoryUsage();
}
const MB = 1024 * 1024;

describe("IMAP fuzz", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let m: SeededMailbox;
  beforeAll(async () => {
    // Generous login limits: the fuzz fails logins from 127.0.0.1 by design.
    gw = await startTestGateway(
      { POSTERN_PLAINTEXT_LOOPBACK: "true" },
      { auth: { failureDelayMs: 1, rateLimits: { perAddress: 1e9, perIp: 1e9, windowMs: 60_000 } } },
    );
    m = await seedMailbox(testContext());
  });
  afterAll(() => gw?.close());

  it("covers every command in the registry", () => {
    const names = new Set(CORPUS.map(([name]) => name));
    expect([...REGISTRY.keys()].filter((n) => !names.has(n))).toEqual([]);
  });

  it(`survives ${TARGET} generated commands with well-formed responses and a consistent index`, async () => {
    console.log(`imap-fuzz: FUZZ_SEED=${SEED}`);
    const acct: Account = {
      address: m.address,
      password: m.password,
      plain: Buffer.from(`\0${m.address}\0${m.password}`).toString("base64"),
    };
    const before = memory();
    const started = Date.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        for (let n = 0; stats.processed < TARGET && Date.now() - started < DEADLINE_MS; n++) {
          const r = new Rng(SEED ^ Math.imul(w + 1, 0x9e3779b1) ^ Math.imul(n + 1, 0x85ebca6b));
          await fuzzConnection(gw.ports.imap, acct, r, `worker ${w} connection ${n}`);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    // Every session ends once its client is gone (none leaks, whatever state it was left in).
    await eventually(async () => gw.imap.sessions.size === 0, 10_000).catch(() =>
      violations.push({
        conn: "gateway",
        what: "sessions still open 10 s after their clients disconnected",
        response: `${gw.imap.sessions.size} sessions`,
        commands: [],
      }),
    );

    // The gateway still serves: a greeting, then a real client logs in, selects, appends and fetches.
    const probe = await RawImap.connect(gw.ports.imap);
    expect(probe.greeting).toMatch(/^\* OK /);
    probe.close();
    const client = await imapflow(gw, m);
    const lock = await client.getMailboxLock("INBOX");
    try {
      const body = message({ subject: "after the fuzz" });
      const appended = await client.append("INBOX", body);
      const fetched = await client.fetchOne(String(appended && appended.uid), { source: true }, { uid: true });
      expect(fetched && fetched.source?.equals(body)).toBe(true);
    } finally {
      lock.release();
      await client.logout();
    }

    const problems = await indexProblems(m.mailboxId);
    const foreign = await foreignMessages(m.mailboxId);
    sentStreams.length = 0;
    // Live memory comes back once ended sessions are released (a socket gets 5 s to flush its
    // BYE); RSS is reported only: it holds this process's fuzz client and allocator high water.
    let after = memory();
    const settled = await eventually(async () => {
      after = memory();
      return after.heapUsed - before.heapUsed < 32 * MB && after.arrayBuffers - before.arrayBuffers < 32 * MB;
    }, 15_000).catch(() => false);
    const mb = (n: number) => `${(n / MB).toFixed(0)} MB`;
    console.log(
      `imap-fuzz: seed ${SEED}: ${stats.processed} commands read by the server (${stats.sent} sent) in ${seconds.toFixed(1)} s ` +
        `over ${stats.connections} connections; ${stats.OK} OK, ${stats.NO} NO, ${stats.BAD} BAD; ` +
        `${stats.byes} BYE, ${stats.stalls} went quiet mid-batch (an open literal, or a stuck session); RSS ${mb(before.rss)} → ${mb(after.rss)}, ` +
        `live heap ${mb(before.heapUsed)} → ${mb(after.heapUsed)}, buffers ${mb(before.arrayBuffers)} → ${mb(after.arrayBuffers)}`,
    );
    // One example of each kind of violation, with how often it happened.
    const kinds = new Map<string, { count: number; example: Violation }>();
    for (const v of violations) {
      const k = kinds.get(v.what) ?? { count: 0, example: v };
      k.count++;
      kinds.set(v.what, k);
    }
    for (const [what, { count, example }] of kinds)
      console.log(`imap-fuzz violation ×${count} (seed ${SEED}): ${what}\n${JSON.stringify(example, null, 1)}`);
    expect.soft([...kinds].map(([what, { count }]) => `${what} ×${count}`)).toEqual([]);
    expect.soft(stats.processed).toBeGreaterThanOrEqual(TARGET);
    expect.soft(problems).toEqual([]);
    expect.soft(foreign).toEqual([]);
    expect.soft(settled, "live heap and buffers back within 32 MB of their level before the fuzz").toBe(true);
  }, 150_000);
});
