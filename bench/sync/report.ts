// The sync benchmark's output: a table for people and
// bench/.results/sync-<time>.json (every sample, the machine, the setup).
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Options } from "./args.ts";
import type { IndexingResult } from "./indexing.ts";
import type { Phase, PushSample, SeenSample } from "./latency.ts";
import type { Pop3Result } from "./pop3.ts";

interface Target {
  messages: number;
  seconds: number;
}

/** Initial indexing: 10,000 messages in at most 15 s (the rate it implies, for other sizes). */
const INDEXING_TARGET: Target = { messages: 10_000, seconds: 15 };
/** A POP3 maildrop's first indexing (issue 5): 1,000 messages in at most 10 s. */
const POP3_TARGET: Target = { messages: 1000, seconds: 10 };

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface SyncRun {
  setup: Record<string, Record<string, string | number>>;
  /** 1-minute load average at the start and the end: on a shared two-core box, the context for any tail. */
  load: { start: number; end?: number };
  indexing?: IndexingResult;
  push?: Phase<PushSample>;
  seen?: Phase<SeenSample>;
  /** The gateway's VmRSS after the latency phases (before phase c). */
  finalRssKb?: number;
  pop3?: Pop3Result;
  errors: string[];
}

/** Nearest-rank percentile (the value at rank ⌈p·n⌉), so every figure is a real sample. */
export function summarize(values: number[]): Summary | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1];
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] };
}

/** A target for `messages`: the given one, or the rate it implies (scaled linearly, and labelled so). */
function scaledTarget(target: Target, messages: number): { seconds: number; label: string } {
  const seconds = (target.seconds * messages) / target.messages;
  const exact = messages === target.messages;
  const count = target.messages.toLocaleString("en");
  return {
    seconds,
    label: exact
      ? `≤ ${target.seconds} s for ${count}`
      : `≤ ${seconds.toFixed(1)} s (${target.seconds} s per ${count}, scaled)`,
  };
}

export function indexingTarget(messages: number): { seconds: number; label: string } {
  return scaledTarget(INDEXING_TARGET, messages);
}

export function pop3Target(messages: number): { seconds: number; label: string } {
  return scaledTarget(POP3_TARGET, messages);
}

function summaries(run: SyncRun) {
  const push = run.push?.samples ?? [];
  return {
    phone: summarize(push.map((s) => s.phoneMs)),
    dovecot: summarize(push.map((s) => s.dovecotMs)),
    added: summarize(push.map((s) => s.phoneMs - s.dovecotMs)),
    deliver: summarize(push.map((s) => s.deliverMs)),
    seen: summarize((run.seen?.samples ?? []).map((s) => s.latencyMs)),
    store: summarize((run.seen?.samples ?? []).map((s) => s.storeMs)),
  };
}

const ms = (v?: number) => (v === undefined ? "—" : `${v < 10 && v > -10 ? v.toFixed(1) : v.toFixed(0)} ms`);
const sec = (v: number) => `${(v / 1000).toFixed(2)} s`;
const mb = (kb?: number) => (kb === undefined ? "—" : `${(kb / 1024).toFixed(0)} MB`);

export function table(run: SyncRun, opts: Options): string {
  const lines = [
    `Sync benchmark: ${opts.messages.toLocaleString("en")} messages at Dovecot, ${opts.samples} latency samples per direction, ${opts.pop3Messages ? `${opts.pop3Messages.toLocaleString("en")} POP3 messages` : "no POP3 phase"}`,
    `load average (1 min) at start → end: ${run.load.start.toFixed(2)} → ${run.load.end?.toFixed(2) ?? "—"} on ${os.cpus().length} CPUs; revision ${revision()}`,
    "",
  ];
  const ix = run.indexing;
  if (ix) {
    const target = indexingTarget(ix.messages);
    const verdict = ix.indexedMs / 1000 <= target.seconds ? "ok" : "MISSED";
    lines.push(
      "a  initial indexing (from the gateway's readiness)",
      `   ${"all messages indexed, mailbox idle".padEnd(44)}${sec(ix.indexedMs).padStart(10)}   target ${target.label}  ${verdict}`,
      `   ${"first message visible".padEnd(44)}${sec(ix.firstVisibleMs).padStart(10)}`,
      `   ${"messages per second".padEnd(44)}${Math.round(ix.messagesPerSecond).toLocaleString("en").padStart(10)}`,
      `   ${"gateway RSS when indexed".padEnd(44)}${mb(ix.rssKb).padStart(10)}`,
      `   ${"spawn → ready / spawn → indexed".padEnd(44)}${`${sec(ix.spawnToReadyMs)} / ${sec(ix.spawnToIndexedMs)}`.padStart(10)}`,
      "",
    );
  }
  const s = summaries(run);
  const row = (label: string, v?: Summary) =>
    `   ${label.padEnd(44)}${[v?.p50, v?.p95, v?.p99, v?.max].map((x) => ms(x).padStart(9)).join("")}`;
  const head = `   ${"".padEnd(44)}${["p50", "p95", "p99", "max"].map((h) => h.padStart(9)).join("")}`;
  if (run.push) {
    lines.push(
      `b  push latency: LMTP delivery returned → * n EXISTS (${s.phone?.n ?? 0} deliveries)`,
      head,
      row("phone IDLE-ing on the gateway", s.phone),
      row("client IDLE-ing on Dovecot (reference)", s.dovecot),
      row("added by Postern (per delivery)", s.added),
      row("LMTP delivery call itself", s.deliver),
      "",
    );
  }
  if (run.seen) {
    lines.push(
      `   \\Seen set by the phone → seen at Dovecot, NOOP every 20 ms (${s.seen?.n ?? 0} changes)`,
      head,
      row("STORE sent → flag seen at Dovecot", s.seen),
      row("STORE round trip through the gateway", s.store),
      "",
    );
  }
  if (run.finalRssKb !== undefined) lines.push(`   gateway RSS after the latency phases: ${mb(run.finalRssKb)}`, "");
  const p = run.pop3;
  if (p) {
    const target = pop3Target(p.messages);
    const verdict = p.indexedMs / 1000 <= target.seconds ? "ok" : "MISSED";
    const timed = p.reference.runs.filter((r) => r.when !== "warm-up");
    const rate = (v: number) => Math.round(v).toLocaleString("en").padStart(10);
    lines.push(
      `c  POP3 initial indexing: ${p.messages.toLocaleString("en")} messages (from the provisioning commit)`,
      `   ${"Postern: all indexed, mailbox idle".padEnd(44)}${sec(p.indexedMs).padStart(10)}   target ${target.label}  ${verdict}`,
      `   ${`poplib: UIDL, RETR each (median of ${timed.length})`.padEnd(44)}${sec(p.reference.ms).padStart(10)}   runs ${timed.map((r) => (r.ms / 1000).toFixed(2)).join(" / ")} s`,
      `   ${"ratio Postern / poplib".padEnd(44)}${p.ratio.toFixed(2).padStart(10)}`,
      `   ${"messages per second: Postern / poplib".padEnd(44)}${rate(p.messagesPerSecond)} /${rate(p.reference.messagesPerSecond).trimStart().padStart(6)}`,
      `   ${"first message visible".padEnd(44)}${sec(p.firstVisibleMs).padStart(10)}`,
      `   ${"gateway RSS when indexed".padEnd(44)}${mb(p.rssKb).padStart(10)}`,
      "",
    );
  }
  if (run.errors.length) lines.push("Failures:", ...run.errors.map((e) => `  ${e}`), "");
  lines.push(
    "Dovecot tells IDLE sessions of new mail 500 ms after it notices (mailbox-watch.c), and the gateway",
    "learns of new mail through such a session: that delay is in both push rows. Each change waits",
    `${opts.spacingMs} ms after the previous one settled (for push: 500 ms after it was seen, when that batch window closed).`,
  );
  return lines.join("\n");
}

/** The commit measured, "+dirty" when the working tree has uncommitted changes to tracked files. */
export function revision(): string {
  const git = (args: string[]) => spawnSync("git", args, { encoding: "utf8" }).stdout?.trim() ?? "";
  const head = git(["rev-parse", "--short", "HEAD"]) || "unknown";
  return git(["status", "--porcelain", "--untracked-files=no"]) ? `${head}+dirty` : head;
}

export async function writeJson(
  dir: string,
  run: SyncRun,
  meta: { options: Options; startedAt: Date },
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `sync-${meta.startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  const body = {
    benchmark: "sync",
    startedAt: meta.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    options: meta.options,
    revision: revision(),
    machine: {
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryMb: Math.round(os.totalmem() / 2 ** 20),
      kernel: os.release(),
    },
    targets: {
      indexing: run.indexing ? indexingTarget(run.indexing.messages) : undefined,
      pop3: run.pop3 ? pop3Target(run.pop3.messages) : undefined,
    },
    summary: summaries(run),
    ...run,
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
  // Leave the file as Biome would format it (as bench/imap/report.ts does).
  const biome = path.resolve(import.meta.dirname, "../../node_modules/.bin/biome");
  spawnSync(biome, ["format", "--write", file], { stdio: "ignore" });
  return file;
}
