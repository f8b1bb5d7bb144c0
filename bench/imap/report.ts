// The benchmark's output: a table for people (times, Postern/Dovecot ratios
// against their targets, memory per idle session) and a JSON file for tools.
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TargetName } from "./target.ts";
import type { Sizes, TargetResults, WorkloadId } from "./workloads.ts";

/** Postern/Dovecot ratio each timed workload should stay at or under. */
const RATIO_TARGETS: Record<WorkloadId, number> = { a: 2.0, b: 1.0, c: 1.0, d: 2.0, e: 1.0, f: 2.0 };
/** Postern's memory per IDLE session, RSS. */
const SESSION_KB_TARGET = 30;

export interface TargetReport {
  details?: Record<string, string | number>;
  results?: TargetResults;
  /** Set when the server could not even be set up (or LOGIN failed while loading it). */
  error?: string;
}

export type Run = Partial<Record<TargetName, TargetReport>>;

function labels(sizes: Sizes): Record<WorkloadId, string> {
  const n = sizes.messages.toLocaleString("en");
  return {
    a: "connect + LOGIN + LOGOUT",
    b: `SELECT INBOX (${n} messages)`,
    c: "UID FETCH 1:* (FLAGS)",
    d: "FETCH n-49:n (BODY.PEEK[HEADER])",
    e: "UID FETCH 1:* (FLAGS) (CHANGEDSINCE m)",
    f: `APPEND ×${sizes.appends.toLocaleString("en")}, one connection`,
  };
}

export interface Comparison {
  id: WorkloadId;
  label: string;
  dovecotMs?: number;
  posternMs?: number;
  ratio?: number;
  target: number;
  met?: boolean;
}

export function compare(run: Run, sizes: Sizes): Comparison[] {
  const names = labels(sizes);
  return (Object.keys(RATIO_TARGETS) as WorkloadId[]).map((id) => {
    const dovecotMs = run.dovecot?.results?.timings[id]?.medianMs;
    const posternMs = run.postern?.results?.timings[id]?.medianMs;
    const ratio = dovecotMs && posternMs ? posternMs / dovecotMs : undefined;
    const target = RATIO_TARGETS[id];
    return {
      id,
      label: names[id],
      dovecotMs,
      posternMs,
      ratio,
      target,
      met: ratio === undefined ? undefined : ratio <= target,
    };
  });
}

export function table(run: Run, sizes: Sizes): string {
  const cell = (s: string, w: number) => s.padStart(w);
  const ms = (v?: number) => (v === undefined ? "—" : `${v < 10 ? v.toFixed(2) : v.toFixed(v < 100 ? 1 : 0)} ms`);
  const kb = (v?: number) => (v === undefined ? "—" : `${Math.round(v).toLocaleString("en")} KB`);
  const lines = [
    `IMAP benchmark: ${sizes.messages.toLocaleString("en")} messages, ${sizes.idleSessions.toLocaleString("en")} IDLE sessions; median of runs after one warm-up`,
    "",
    `   ${"workload".padEnd(40)}${cell("dovecot", 12)}${cell("postern", 12)}${cell("ratio", 8)}  target`,
  ];
  for (const c of compare(run, sizes)) {
    const ratio = c.ratio === undefined ? "—" : c.ratio.toFixed(2);
    const verdict = c.met === undefined ? "" : c.met ? "  ok" : "  MISSED";
    lines.push(
      `${c.id}  ${c.label.padEnd(40)}${cell(ms(c.dovecotMs), 12)}${cell(ms(c.posternMs), 12)}${cell(ratio, 8)}  ≤ ${c.target.toFixed(1)}${verdict}`,
    );
  }
  const d = run.dovecot?.results?.memory;
  const p = run.postern?.results?.memory;
  const met = p ? (p.rssKbPerSession <= SESSION_KB_TARGET ? "  ok" : "  MISSED") : "";
  lines.push(
    `g  ${"memory per IDLE session (RSS)".padEnd(40)}${cell(kb(d?.rssKbPerSession), 12)}${cell(kb(p?.rssKbPerSession), 12)}${cell("", 8)}  ≤ ${SESSION_KB_TARGET} KB for Postern${met}`,
    `   ${"memory per IDLE session (PSS)".padEnd(40)}${cell(kb(d?.pssKbPerSession), 12)}${cell(kb(p?.pssKbPerSession), 12)}`,
    `   ${"server RSS before → after, MB".padEnd(40)}${cell(mbPair(d), 12)}${cell(mbPair(p), 12)}`,
    `   ${"server processes after".padEnd(40)}${cell(String(d?.after.processes ?? "—"), 12)}${cell(String(p?.after.processes ?? "—"), 12)}`,
  );
  const f = [run.dovecot?.results?.timings.f, run.postern?.results?.timings.f];
  if (f.some(Boolean)) {
    const per = (t?: { medianMs: number }) => (t ? `${(t.medianMs / sizes.appends).toFixed(2)} ms` : "—");
    lines.push(`   ${"APPEND, per message".padEnd(40)}${cell(per(f[0]), 12)}${cell(per(f[1]), 12)}`);
  }
  const problems = (["dovecot", "postern"] as const).flatMap((name) => {
    const r = run[name];
    return r?.error ? [r.error] : (r?.results?.errors ?? []);
  });
  if (problems.length) lines.push("", "Failures:", ...problems.map((e) => `  ${e}`));
  lines.push("", "ratio = Postern / Dovecot; below 1.0 Postern is faster.");
  return lines.join("\n");
}

function mbPair(m?: { before: { rssKb: number }; after: { rssKb: number } }): string {
  return m ? `${(m.before.rssKb / 1024).toFixed(0)} → ${(m.after.rssKb / 1024).toFixed(0)}` : "—";
}

export async function writeJson(
  dir: string,
  run: Run,
  meta: { sizes: Sizes; startedAt: Date; quick: boolean },
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `imap-${meta.startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  const body = {
    benchmark: "imap",
    startedAt: meta.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    quick: meta.quick,
    sizes: meta.sizes,
    machine: {
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryMb: Math.round(os.totalmem() / 2 ** 20),
      kernel: os.release(),
    },
    targets: { ratio: RATIO_TARGETS, posternSessionKbRss: SESSION_KB_TARGET },
    comparison: compare(run, meta.sizes),
    servers: run,
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
  // `npm test` runs `biome check .`, which does not read .gitignore: leave the
  // file as Biome would format it, or the next check fails on it.
  const biome = path.resolve(import.meta.dirname, "../../node_modules/.bin/biome");
  spawnSync(biome, ["format", "--write", file], { stdio: "ignore" });
  return file;
}
