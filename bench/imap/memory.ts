// Server memory from /proc: VmRSS (what `ps` shows; shared library pages are
// counted in every process that maps them) and PSS (shared pages divided
// among the processes sharing them — the fair sum for a multi-process server).
import { readFileSync } from "node:fs";

export interface MemorySample {
  rssKb: number;
  pssKb: number;
  processes: number;
}

export function memoryOf(pids: number[]): MemorySample {
  let rssKb = 0;
  let pssKb = 0;
  let processes = 0;
  for (const pid of pids) {
    try {
      rssKb += kb(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS");
      pssKb += kb(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"), "Pss");
      processes++;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return { rssKb, pssKb, processes };
}

function kb(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}
