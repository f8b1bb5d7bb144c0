// Flags in the index: the five system flags as booleans (indexable: SEARCH
// UNSEEN, STATUS UNSEEN) and keywords as text[]. These helpers convert
// between that and IMAP flag lists, and build the SQL of a STORE.
import type { StoreMode } from "@postern/protocol";

export const FLAG_COLUMNS = [
  ["\\Seen", "seen"],
  ["\\Answered", "answered"],
  ["\\Flagged", "flagged"],
  ["\\Deleted", "deleted"],
  ["\\Draft", "draft"],
] as const;

const SYSTEM = new Map<string, string>(FLAG_COLUMNS.map(([flag, col]) => [flag.toLowerCase(), col]));

/** The SQL select list of a message's flags, in FLAG_COLUMNS order, then keywords. */
export const FLAGS_SELECT = "m.seen, m.answered, m.flagged, m.deleted, m.draft, m.keywords";

export function flagsFromRow(row: unknown[], offset: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < FLAG_COLUMNS.length; i++) if (row[offset + i]) out.push(FLAG_COLUMNS[i][0]);
  const keywords = row[offset + FLAG_COLUMNS.length] as string[] | null;
  if (keywords?.length) out.push(...keywords);
  return out;
}

export interface SplitFlags {
  system: Set<string>;
  keywords: string[];
}

/** Split an IMAP flag list into system-flag columns and keywords. */
export function splitFlags(flags: string[]): SplitFlags {
  const system = new Set<string>();
  const keywords: string[] = [];
  for (const f of flags) {
    const col = SYSTEM.get(f.toLowerCase());
    if (col) system.add(col);
    else if (!f.startsWith("\\")) keywords.push(f);
  }
  return { system, keywords };
}

/**
 * SET clause and "does it change anything" condition for a STORE, with the
 * keyword array as parameter $kw (given as its placeholder text).
 */
export function storeSql(mode: StoreMode, flags: SplitFlags, kw: string): { set: string; changes: string } {
  const sets: string[] = [];
  const changes: string[] = [];
  for (const [, col] of FLAG_COLUMNS) {
    const has = flags.system.has(col);
    if (mode === "add" && has) {
      sets.push(`${col} = true`);
      changes.push(`NOT m.${col}`);
    } else if (mode === "remove" && has) {
      sets.push(`${col} = false`);
      changes.push(`m.${col}`);
    } else if (mode === "replace") {
      sets.push(`${col} = ${has}`);
      changes.push(`m.${col} <> ${has}`);
    }
  }
  if (mode === "add") {
    sets.push(`keywords = m.keywords || ARRAY(SELECT k FROM unnest(${kw}::text[]) k WHERE k <> ALL(m.keywords))`);
    changes.push(`NOT (${kw}::text[] <@ m.keywords)`);
  } else if (mode === "remove") {
    sets.push(`keywords = ARRAY(SELECT k FROM unnest(m.keywords) k WHERE k <> ALL(${kw}::text[]))`);
    changes.push(`m.keywords && ${kw}::text[]`);
  } else {
    sets.push(`keywords = ${kw}::text[]`);
    changes.push(`NOT (m.keywords @> ${kw}::text[] AND m.keywords <@ ${kw}::text[])`);
  }
  return { set: sets.join(", "), changes: changes.length ? `(${changes.join(" OR ")})` : "false" };
}
