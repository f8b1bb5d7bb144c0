import { describe, expect, it } from "vitest";
import type { SystemFlag } from "../src/flags.ts";
import {
  compileSearch,
  dayStartMs,
  evaluate,
  formatEsearch,
  formatSearch,
  parseSearch,
  parseSentDate,
  type SearchCandidate,
  type SearchContext,
  type SearchKey,
  searchNeeds,
} from "../src/search/index.ts";
import { tokenize } from "../src/wire/tokens.ts";

const key = (criteria: string): SearchKey =>
  parseSearch(tokenize({ lines: [Buffer.from(`a SEARCH ${criteria}`, "utf8")], literals: [] }).tokens.slice(1)).key;

interface Fixture {
  uid?: number;
  seq?: number;
  flags?: SystemFlag[];
  keywords?: string[];
  internalDate?: string;
  size?: number;
  modseq?: number;
  recent?: boolean;
  headers?: Record<string, string[]>;
  date?: string | null;
  body?: string;
}

/** A message whose lazy accessors count their calls; `async` makes them return promises. */
function message(f: Fixture, async = false) {
  const calls = { header: [] as string[], sentDate: 0, body: 0, text: 0 };
  const wrap = <T>(v: T) => (async ? Promise.resolve(v) : v);
  const headers = f.headers ?? {};
  const msg: SearchCandidate = {
    uid: f.uid ?? 1,
    seq: f.seq ?? 1,
    flags: new Set(f.flags ?? []),
    keywords: f.keywords ?? [],
    internalDate: new Date(f.internalDate ?? "2024-03-15T12:00:00Z"),
    size: f.size ?? 1000,
    modseq: f.modseq ?? 1,
    isRecent: f.recent ?? false,
    header(name) {
      calls.header.push(name);
      return wrap(headers[name] ?? []);
    },
    sentDate() {
      calls.sentDate++;
      return wrap(f.date === undefined ? null : f.date);
    },
    bodyText() {
      calls.body++;
      return wrap(f.body ?? "");
    },
    fullText() {
      calls.text++;
      const head = Object.entries(headers)
        .flatMap(([k, vs]) => vs.map((v) => `${k}: ${v}`))
        .join("\n");
      return wrap(`${head}\n\n${f.body ?? ""}`);
    },
  };
  return { msg, calls };
}

const ctx: SearchContext = { messageCount: 10, maxUid: 100 };

const run = (criteria: string, f: Fixture) => evaluate(key(criteria), message(f).msg, ctx);
const runAsync = (criteria: string, f: Fixture) => evaluate(key(criteria), message(f, true).msg, ctx);

describe("evaluate", () => {
  it("tests flags, keywords, recent, NEW and OLD synchronously", () => {
    expect(run("SEEN", { flags: ["\\Seen"] })).toBe(true);
    expect(run("UNSEEN", { flags: ["\\Seen"] })).toBe(false);
    expect(run("FLAGGED UNDELETED", { flags: ["\\Flagged"] })).toBe(true);
    expect(run("DRAFT", {})).toBe(false);
    expect(run("UNANSWERED", {})).toBe(true);
    expect(run("KEYWORD $label1", { keywords: ["$Label1"] })).toBe(true);
    expect(run("UNKEYWORD $Label1", { keywords: ["$label1"] })).toBe(false);
    expect(run("KEYWORD Junk", { keywords: ["NonJunk"] })).toBe(false);
    expect(run("RECENT", { recent: true })).toBe(true);
    expect(run("NEW", { recent: true })).toBe(true);
    expect(run("NEW", { recent: true, flags: ["\\Seen"] })).toBe(false);
    expect(run("OLD", { recent: true })).toBe(false);
    expect(run("OLD", {})).toBe(true);
    expect(run("ALL", {})).toBe(true);
  });

  it("tests sizes and MODSEQ", () => {
    expect(run("LARGER 999", { size: 1000 })).toBe(true);
    expect(run("LARGER 1000", { size: 1000 })).toBe(false);
    expect(run("SMALLER 1000", { size: 1000 })).toBe(false);
    expect(run("SMALLER 1001", { size: 1000 })).toBe(true);
    expect(run("MODSEQ 5", { modseq: 5 })).toBe(true);
    expect(run("MODSEQ 6", { modseq: 5 })).toBe(false);
    expect(run('MODSEQ "/flags/\\\\draft" all 5', { modseq: 9 })).toBe(true);
  });

  it("tests sequence numbers and UIDs, with * from the context", () => {
    expect(run("2:4", { seq: 3 })).toBe(true);
    expect(run("2:4", { seq: 5 })).toBe(false);
    expect(run("*", { seq: 10 })).toBe(true);
    expect(run("8:*", { seq: 9 })).toBe(true);
    expect(run("UID 50:60", { uid: 55 })).toBe(true);
    expect(run("UID 50:60", { uid: 61 })).toBe(false);
    // `n:*` above the last UID still includes the last message.
    expect(run("UID 500:*", { uid: 100 })).toBe(true);
    expect(run("UID 500:*", { uid: 99 })).toBe(false);
    expect(run("UID *", { uid: 100 })).toBe(true);
  });

  it("compares INTERNALDATE by calendar day (UTC unless told otherwise)", () => {
    const late = { internalDate: "2024-03-15T23:30:00Z" };
    expect(run("ON 15-Mar-2024", late)).toBe(true);
    expect(run("SINCE 15-Mar-2024", late)).toBe(true);
    expect(run("SINCE 16-Mar-2024", late)).toBe(false);
    expect(run("BEFORE 15-Mar-2024", late)).toBe(false);
    expect(run("BEFORE 16-Mar-2024", late)).toBe(true);
    // In UTC+02:00 that instant is already the 16th.
    const east: SearchContext = { ...ctx, internalDateOffsetMinutes: 120 };
    expect(evaluate(key("ON 16-Mar-2024"), message(late).msg, east)).toBe(true);
    expect(dayStartMs({ year: 2024, month: 3, day: 16 }, 120)).toBe(Date.parse("2024-03-15T22:00:00Z"));
  });

  it("compares the Date: header by its own calendar day, disregarding time and zone", () => {
    // 23:30 at -0700 is the 2nd in UTC; RFC 3501 says it is the 1st.
    const f = { date: "Tue, 1 Jul 2003 23:30:00 -0700" };
    expect(run("SENTON 1-Jul-2003", f)).toBe(true);
    expect(run("SENTBEFORE 2-Jul-2003", f)).toBe(true);
    expect(run("SENTBEFORE 1-Jul-2003", f)).toBe(false);
    expect(run("SENTSINCE 1-Jul-2003", f)).toBe(true);
    expect(run("SENTSINCE 2-Jul-2003", f)).toBe(false);
    // Without a usable Date: header, INTERNALDATE stands in (as RFC 5256 does for sorting).
    expect(run("SENTON 15-Mar-2024", { date: null })).toBe(true);
    expect(run("SENTON 15-Mar-2024", { date: "garbage" })).toBe(true);
  });

  it("parses Date: headers in current and obsolete forms", () => {
    expect(parseSentDate("Tue, 1 Jul 2003 10:52:37 +0200")).toEqual({ year: 2003, month: 7, day: 1 });
    expect(parseSentDate("1 Jul 2003 10:52:37 +0200")).toEqual({ year: 2003, month: 7, day: 1 });
    expect(parseSentDate("Fri, 21 Nov 97 09:55:06 GMT")).toEqual({ year: 1997, month: 11, day: 21 });
    expect(parseSentDate("Sat, 05 Jan 24 10:00 +0000")).toEqual({ year: 2024, month: 1, day: 5 });
    expect(parseSentDate("Mon,13 September 2021 08:00 +0000")).toEqual({ year: 2021, month: 9, day: 13 });
    expect(parseSentDate("")).toBeNull();
    expect(parseSentDate("2003-07-01")).toBeNull();
    expect(parseSentDate("32 Jan 2020")).toBeNull();
  });

  it("matches strings as case-insensitive substrings", () => {
    const f = {
      headers: {
        from: ["Ana Smith <ana@x.test>"],
        subject: ["Zürich Meeting"],
        "x-spam": [""],
        received: ["from a", "from b by mx"],
      },
      body: "Hello ÄRGER world",
    };
    expect(run('FROM "SMITH"', f)).toBe(true);
    expect(run("FROM bob", f)).toBe(false);
    expect(run('SUBJECT "zürich"', f)).toBe(true);
    expect(run("TO ana", f)).toBe(false);
    expect(run('TO ""', f)).toBe(true);
    expect(run('HEADER X-Spam ""', f)).toBe(true);
    expect(run('HEADER X-Other ""', f)).toBe(false);
    expect(run("HEADER RECEIVED mx", f)).toBe(true);
    expect(run("BODY ärger", f)).toBe(true);
    expect(run("BODY smith", f)).toBe(false);
    expect(run("TEXT smith", f)).toBe(true);
    expect(run("TEXT ärger", f)).toBe(true);
  });

  it("combines with NOT, OR and AND", () => {
    const f = { flags: ["\\Seen"] as SystemFlag[], size: 10 };
    expect(run("NOT SEEN", f)).toBe(false);
    expect(run("OR FLAGGED SEEN", f)).toBe(true);
    expect(run("OR FLAGGED DELETED", f)).toBe(false);
    expect(run("SEEN (OR SMALLER 5 LARGER 5) NOT DRAFT", f)).toBe(true);
    expect(run("SEEN (SMALLER 5 OR LARGER 5 DRAFT)", f)).toBe(false);
    expect(run("NOT (SEEN SMALLER 5)", f)).toBe(true);
  });

  it("checks cheap keys first and loads headers and bodies only when needed", () => {
    const { msg, calls } = message({ flags: [], body: "x" });
    // SEEN fails first, so the body is never read.
    expect(evaluate(key("BODY x SEEN"), msg, ctx)).toBe(false);
    expect(calls.body).toBe(0);
    expect(evaluate(key("OR BODY x UNSEEN"), msg, ctx)).toBe(true);
    expect(calls.body).toBe(0);
    expect(evaluate(key("TEXT x FROM y DELETED"), msg, ctx)).toBe(false);
    expect(calls).toEqual({ header: [], sentDate: 0, body: 0, text: 0 });
    // Headers before bodies.
    expect(evaluate(key("BODY x FROM y"), msg, ctx)).toBe(false);
    expect(calls.header).toEqual(["from"]);
    expect(calls.body).toBe(0);
  });

  it("reads each accessor once per evaluation", () => {
    const { msg, calls } = message({ headers: { from: ["a"] }, body: "b" });
    expect(evaluate(key("OR FROM x FROM a BODY b BODY b"), msg, ctx)).toBe(true);
    expect(calls.header).toEqual(["from"]);
    expect(calls.body).toBe(1);
  });

  it("returns a promise only when an accessor does", async () => {
    const f = { flags: ["\\Seen"] as SystemFlag[], headers: { subject: ["Invoice 42"] }, body: "pay now" };
    const sync = runAsync("SEEN", f);
    expect(sync).toBe(true);
    const pending = runAsync("SEEN SUBJECT invoice BODY pay", f);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(true);
    expect(await runAsync("SUBJECT invoice BODY refund", f)).toBe(false);
    expect(await runAsync("OR BODY refund SUBJECT 42", f)).toBe(true);
    expect(await runAsync("NOT BODY pay", f)).toBe(false);
    expect(await runAsync('SENTON 1-Jul-2003 FROM ""', { date: "1 Jul 2003 00:00 +0000" })).toBe(true);
  });

  it("compiles once for many messages", () => {
    const match = compileSearch(key("UID 1:*,5 NOT DELETED"), { messageCount: 3, maxUid: 3 });
    const results = [1, 2, 3].map((uid) => match(message({ uid, flags: uid === 2 ? ["\\Deleted"] : [] }).msg));
    expect(results).toEqual([true, false, true]);
  });
});

describe("searchNeeds", () => {
  it("reports the cheapest part that can answer the key", () => {
    expect(searchNeeds(key("UNSEEN SINCE 1-Jan-2024 LARGER 10 UID 1:5 KEYWORD x"))).toEqual({
      cost: "meta",
      headers: [],
      sentDate: false,
      body: false,
      text: false,
      modseq: false,
      sequenceNumbers: false,
    });
    expect(searchNeeds(key('OR FROM a HEADER List-Id "x" SENTSINCE 1-Jan-2024'))).toMatchObject({
      cost: "headers",
      headers: ["from", "list-id"],
      sentDate: true,
    });
    expect(searchNeeds(key("NOT BODY a"))).toMatchObject({ cost: "body", body: true, text: false });
    expect(searchNeeds(key("(SEEN TEXT a)"))).toMatchObject({ cost: "body", text: true });
    expect(searchNeeds(key("MODSEQ 5 1:3"))).toMatchObject({ cost: "meta", modseq: true, sequenceNumbers: true });
  });
});

describe("formatEsearch", () => {
  it("writes MIN, MAX, COUNT and ALL (RFC 4731)", () => {
    const all = { min: true, max: true, count: true, all: true };
    expect(formatEsearch("x", true, { matches: [1, 2, 3, 9] }, all)).toBe(
      'ESEARCH (TAG "x") UID MIN 1 MAX 9 COUNT 4 ALL 1:3,9',
    );
    expect(formatEsearch("A282", false, { matches: [2, 10, 11] }, { ...all, max: false, all: false })).toBe(
      'ESEARCH (TAG "A282") MIN 2 COUNT 3',
    );
    expect(
      formatEsearch("A283", false, { matches: [2, 10, 11] }, { ...all, min: false, max: false, count: false }),
    ).toBe('ESEARCH (TAG "A283") ALL 2,10:11');
  });

  it("omits MIN, MAX and ALL when nothing matched but keeps COUNT 0", () => {
    const all = { min: true, max: true, count: true, all: true };
    expect(formatEsearch("t", false, { matches: [] }, all)).toBe('ESEARCH (TAG "t") COUNT 0');
    expect(formatEsearch("t", true, { matches: [] }, { ...all, count: false })).toBe('ESEARCH (TAG "t") UID');
  });

  it("sorts unsorted matches", () => {
    expect(formatEsearch("t", true, { matches: [9, 1, 2] }, { min: true, max: true, count: false, all: true })).toBe(
      'ESEARCH (TAG "t") UID MIN 1 MAX 9 ALL 1:2,9',
    );
  });

  it("adds MODSEQ per RFC 4731 §3.2", () => {
    const r = { matches: [2, 5, 23], modseqs: [917162488, 999999999, 907162321] };
    const none = { min: false, max: false, count: false, all: false };
    expect(formatEsearch("a1", false, r, { ...none, min: true })).toBe('ESEARCH (TAG "a1") MIN 2 MODSEQ 917162488');
    expect(formatEsearch("a2", false, r, { ...none, max: true })).toBe('ESEARCH (TAG "a2") MAX 23 MODSEQ 907162321');
    expect(formatEsearch("a3", false, r, { ...none, min: true, max: true })).toBe(
      'ESEARCH (TAG "a3") MIN 2 MAX 23 MODSEQ 917162488',
    );
    expect(formatEsearch("a4", false, r, { ...none, min: true, count: true })).toBe(
      'ESEARCH (TAG "a4") MIN 2 COUNT 3 MODSEQ 999999999',
    );
    expect(formatEsearch("a5", false, { matches: [], modseqs: [] }, { ...none, count: true })).toBe(
      'ESEARCH (TAG "a5") COUNT 0',
    );
  });
});

describe("formatSearch", () => {
  it("writes SEARCH with an optional highest MODSEQ (RFC 7162 §3.1.6)", () => {
    expect(formatSearch({ matches: [2, 84, 882] })).toBe("SEARCH 2 84 882");
    expect(formatSearch({ matches: [] })).toBe("SEARCH");
    expect(formatSearch({ matches: [2, 5], modseqs: [7, 917162500] })).toBe("SEARCH 2 5 (MODSEQ 917162500)");
    expect(formatSearch({ matches: [], modseqs: [] })).toBe("SEARCH");
  });
});
