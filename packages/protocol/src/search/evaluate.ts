// Evaluating a search key against one message, cheapest tests first: flags,
// sizes, dates and sets are answered from plain fields; headers, then
// bodies, are loaded only if those did not already decide the result. The
// answer is synchronous unless an accessor returned a promise.
import { concreteRanges, rangesContain } from "../sequence.ts";
import type { DateOp, MaybePromise, SearchCandidate, SearchContext, SearchDate, SearchKey } from "./types.ts";

/** What a key needs from a message, so the store can push cheap parts down to SQL and load bodies only when needed. */
export interface SearchNeeds {
  /** The most expensive part any key needs: plain fields, headers (incl. the Date: header), or body text. */
  cost: "meta" | "headers" | "body";
  /** Header fields read through `header()` (lower-case, unique). */
  headers: string[];
  /** SENT* keys: the Date: header. */
  sentDate: boolean;
  /** BODY keys: decoded body text. */
  body: boolean;
  /** TEXT keys: header and body text. */
  text: boolean;
  /** A MODSEQ key: the response carries the highest mod-sequence (RFC 7162 §3.1.5). */
  modseq: boolean;
  /** A message-number set: results depend on the session's sequence numbers. */
  sequenceNumbers: boolean;
}

const COST = { meta: 0, headers: 1, body: 2 } as const;
const COST_NAME = ["meta", "headers", "body"] as const;

export function searchNeeds(key: SearchKey): SearchNeeds {
  const headers = new Set<string>();
  const needs: SearchNeeds = {
    cost: "meta",
    headers: [],
    sentDate: false,
    body: false,
    text: false,
    modseq: false,
    sequenceNumbers: false,
  };
  let cost = 0;
  const walk = (k: SearchKey): void => {
    switch (k.type) {
      case "envelope":
      case "header":
        headers.add(k.field);
        cost = Math.max(cost, COST.headers);
        return;
      case "sentDate":
        needs.sentDate = true;
        cost = Math.max(cost, COST.headers);
        return;
      case "body":
        needs.body = true;
        cost = COST.body;
        return;
      case "text":
        needs.text = true;
        cost = COST.body;
        return;
      case "modseq":
        needs.modseq = true;
        return;
      case "seq":
        needs.sequenceNumbers = true;
        return;
      case "not":
        walk(k.key);
        return;
      case "or":
        walk(k.left);
        walk(k.right);
        return;
      case "and":
        k.keys.forEach(walk);
        return;
      case "all":
      case "flag":
      case "keyword":
      case "recent":
      case "internalDate":
      case "size":
      case "uid":
        return;
    }
  };
  walk(key);
  needs.cost = COST_NAME[cost];
  needs.headers = [...headers];
  return needs;
}

/** Days since 1970-01-01 of a calendar date. */
export function dayNumber(d: SearchDate): number {
  const t = new Date(0);
  t.setUTCFullYear(d.year, d.month - 1, d.day);
  return Math.floor(t.getTime() / 86_400_000);
}

/** Start of the day in a zone (minutes east of UTC), as epoch milliseconds — for SQL on internal_date. */
export function dayStartMs(d: SearchDate, offsetMinutes = 0): number {
  return dayNumber(d) * 86_400_000 - offsetMinutes * 60_000;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/**
 * The calendar date of a Date: header in its own zone — RFC 3501 compares
 * "disregarding time and timezone", so `Tue, 1 Jul 2003 23:30 -0700` is the
 * 1st. Accepts RFC 5322 and its obsolete forms (no weekday, 2-digit years).
 */
export function parseSentDate(value: string | null | undefined): SearchDate | null {
  if (!value) return null;
  const m = /(?:^|[\s,])([0-9]{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?\s+([0-9]{2,4})(?![0-9])/.exec(value);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2].toLowerCase()) + 1;
  if (month === 0) return null;
  let year = Number(m[3]);
  // RFC 5322 §4.3: 2-digit years 00–49 are 2000–2049, 50–99 are 1950–1999; 3-digit years add 1900.
  if (m[3].length === 2) year += year < 50 ? 2000 : 1900;
  else if (m[3].length === 3) year += 1900;
  const day = Number(m[1]);
  if (day < 1 || day > 31) return null;
  return { year, month, day };
}

function compareDay(day: number, op: DateOp, target: number): boolean {
  switch (op) {
    case "before":
      return day < target;
    case "on":
      return day === target;
    case "since":
      return day >= target;
  }
}

function isThenable<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

function then<T, R>(v: MaybePromise<T>, f: (x: T) => MaybePromise<R>): MaybePromise<R> {
  return isThenable(v) ? v.then(f) : f(v);
}

/** Lower-cased accessor results, shared by the keys of one evaluation. */
interface CallCache {
  headers: Map<string, MaybePromise<string[]>>;
  body?: MaybePromise<string>;
  text?: MaybePromise<string>;
}

function lowerHeader(m: SearchCandidate, name: string, cache: CallCache): MaybePromise<string[]> {
  let v = cache.headers.get(name);
  if (v === undefined) {
    v = then(m.header(name), (values) => values.map((s) => s.toLowerCase()));
    cache.headers.set(name, v);
  }
  return v;
}

type Run = (m: SearchCandidate, cache: CallCache) => MaybePromise<boolean>;

interface Compiled {
  cost: number;
  run: Run;
}

const meta = (run: Run): Compiled => ({ cost: COST.meta, run });

function compile(key: SearchKey, ctx: SearchContext): Compiled {
  switch (key.type) {
    case "all":
      return meta(() => true);
    case "flag": {
      const { flag, present } = key;
      return meta((m) => m.flags.has(flag) === present);
    }
    case "keyword": {
      const kw = key.keyword.toLowerCase();
      const present = key.present;
      return meta((m) => m.keywords.some((k) => k.toLowerCase() === kw) === present);
    }
    case "recent":
      return meta((m) => m.isRecent);
    case "size": {
      const n = key.size;
      return meta(key.op === "larger" ? (m) => m.size > n : (m) => m.size < n);
    }
    case "internalDate": {
      const target = dayNumber(key.date);
      const offset = (ctx.internalDateOffsetMinutes ?? 0) * 60_000;
      const op = key.op;
      return meta((m) => compareDay(Math.floor((m.internalDate.getTime() + offset) / 86_400_000), op, target));
    }
    case "seq": {
      const ranges = concreteRanges(key.set, ctx.messageCount);
      return meta((m) => rangesContain(ranges, m.seq));
    }
    case "uid": {
      const ranges = concreteRanges(key.set, ctx.maxUid);
      return meta((m) => rangesContain(ranges, m.uid));
    }
    case "modseq": {
      const min = key.modseq;
      return meta((m) => m.modseq >= min);
    }
    case "envelope": {
      const needle = key.value.toLowerCase();
      const field = key.field;
      // The empty string is a substring of every field, present or not.
      if (!needle) return meta(() => true);
      return {
        cost: COST.headers,
        run: (m, cache) => then(lowerHeader(m, field, cache), (values) => values.some((v) => v.includes(needle))),
      };
    }
    case "header": {
      const needle = key.value.toLowerCase();
      const field = key.field;
      // RFC 3501: an empty string matches every message that has the field.
      return {
        cost: COST.headers,
        run: (m, cache) =>
          then(lowerHeader(m, field, cache), (values) =>
            needle ? values.some((v) => v.includes(needle)) : values.length > 0,
          ),
      };
    }
    case "sentDate": {
      const target = dayNumber(key.date);
      const offset = (ctx.internalDateOffsetMinutes ?? 0) * 60_000;
      const op = key.op;
      return {
        cost: COST.headers,
        run: (m) =>
          then(m.sentDate(), (raw) => {
            const d = parseSentDate(raw);
            // No usable Date: header: use INTERNALDATE, as RFC 5256 §2.2 does for sorting.
            const day = d ? dayNumber(d) : Math.floor((m.internalDate.getTime() + offset) / 86_400_000);
            return compareDay(day, op, target);
          }),
      };
    }
    case "body": {
      const needle = key.value.toLowerCase();
      return {
        cost: COST.body,
        run: (m, cache) => {
          cache.body ??= then(m.bodyText(), (s) => s.toLowerCase());
          return then(cache.body, (s) => s.includes(needle));
        },
      };
    }
    case "text": {
      const needle = key.value.toLowerCase();
      return {
        cost: COST.body,
        run: (m, cache) => {
          cache.text ??= then(m.fullText(), (s) => s.toLowerCase());
          return then(cache.text, (s) => s.includes(needle));
        },
      };
    }
    case "not": {
      const inner = compile(key.key, ctx);
      return { cost: inner.cost, run: (m, cache) => then(inner.run(m, cache), (v) => !v) };
    }
    case "or": {
      const [a, b] = [compile(key.left, ctx), compile(key.right, ctx)].sort((x, y) => x.cost - y.cost);
      return {
        cost: Math.max(a.cost, b.cost),
        run: (m, cache) => then(a.run(m, cache), (v) => v || b.run(m, cache)),
      };
    }
    case "and": {
      const parts = key.keys.map((k) => compile(k, ctx)).sort((x, y) => x.cost - y.cost);
      const from = (i: number, m: SearchCandidate, cache: CallCache): MaybePromise<boolean> => {
        for (; i < parts.length; i++) {
          const r = parts[i].run(m, cache);
          if (isThenable(r)) {
            const next = i + 1;
            return r.then((v) => v && from(next, m, cache));
          }
          if (!r) return false;
        }
        return true;
      };
      return { cost: Math.max(0, ...parts.map((p) => p.cost)), run: (m, cache) => from(0, m, cache) };
    }
  }
}

export type SearchMatcher = (msg: SearchCandidate) => MaybePromise<boolean>;

/** Prepare a key once for a mailbox and run it on many messages. */
export function compileSearch(key: SearchKey, ctx: SearchContext): SearchMatcher {
  const c = compile(key, ctx);
  return (msg) => c.run(msg, { headers: new Map() });
}

const compiled = new WeakMap<SearchKey, { ctx: SearchContext; match: SearchMatcher }>();

/**
 * Whether one message matches. Compiles the key on first use and reuses it
 * for the same context object; prefer compileSearch() in loops.
 */
export function evaluate(key: SearchKey, msg: SearchCandidate, ctx: SearchContext): MaybePromise<boolean> {
  let entry = compiled.get(key);
  if (!entry || entry.ctx !== ctx) {
    entry = { ctx, match: compileSearch(key, ctx) };
    compiled.set(key, entry);
  }
  return entry.match(msg);
}
