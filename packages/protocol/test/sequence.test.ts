import { describe, expect, it } from "vitest";
import {
  concreteRanges,
  formatSequenceSet,
  formatUidSet,
  parseModSeq,
  parseNumber,
  parseSequenceSet,
  rangesContain,
  resolveMessageNumbers,
  resolveUids,
  resolveUidsWithSeqs,
  seqOfUid,
  uidRanges,
} from "../src/sequence.ts";
import { ParseError, type Token, tokenize } from "../src/wire/tokens.ts";

/** Tokens after the command name of a real command line. */
const args = (line: string): Token[] => tokenize({ lines: [Buffer.from(line, "utf8")], literals: [] }).tokens.slice(1);

/** The sequence-set argument of `a FETCH <set> FLAGS`. */
const set = (s: string) => parseSequenceSet(args(`a FETCH ${s} FLAGS`)[0]);

const view = (...uids: number[]) => Uint32Array.from(uids);

describe("parseSequenceSet", () => {
  it("parses numbers, ranges (either order), * and lists", () => {
    expect(set("1").ranges).toEqual([{ start: 1, end: 1 }]);
    expect(set("2:4").ranges).toEqual([{ start: 2, end: 4 }]);
    expect(set("4:2").ranges).toEqual([{ start: 2, end: 4 }]);
    expect(set("*")).toEqual({ ranges: [{ start: "*", end: "*" }], hasStar: true });
    expect(set("1:*").ranges).toEqual([{ start: 1, end: "*" }]);
    expect(set("*:4").ranges).toEqual([{ start: "*", end: 4 }]);
    expect(set("5,7:9,*")).toEqual({
      ranges: [
        { start: 5, end: 5 },
        { start: 7, end: 9 },
        { start: "*", end: "*" },
      ],
      hasStar: true,
    });
    expect(set("1:4294967295").ranges).toEqual([{ start: 1, end: 4294967295 }]);
    expect(set("2,4:7,9,12:*").hasStar).toBe(true);
    expect(set("1,2").hasStar).toBe(false);
  });

  it.each([
    ["0", "invalid sequence set: 0 is not a valid number"],
    ["1:0", "invalid sequence set: 0 is not a valid number"],
    ["4294967296", "invalid sequence set: number too large"],
    ["99999999999", "invalid sequence set"],
    ["01", "invalid sequence set"],
    ["1,,2", "invalid sequence set: empty element"],
    ["1,", "invalid sequence set: empty element"],
    [",1", "invalid sequence set: empty element"],
    ["1:2:3", "invalid sequence set"],
    ["1:", "invalid sequence set"],
    [":1", "invalid sequence set"],
    ["-1", "invalid sequence set"],
    ["1.5", "invalid sequence set"],
    ["abc", "invalid sequence set"],
    ["$", "$ (SEARCHRES) is not supported"],
  ])("rejects %s", (input, reason) => {
    expect(() => set(input)).toThrow(ParseError);
    expect(() => set(input)).toThrow(reason);
  });

  it("rejects non-atoms, * where forbidden, and overlong input", () => {
    expect(() => parseSequenceSet(args('a FETCH "1:2" FLAGS')[0])).toThrow("expected a sequence set");
    expect(() => parseSequenceSet(args("a FETCH (1) FLAGS")[0])).toThrow("expected a sequence set");
    expect(() => parseSequenceSet(undefined)).toThrow("missing sequence set");
    expect(() => parseSequenceSet("1:*", { allowStar: false, what: "known-uids" })).toThrow(
      "* is not allowed in this known-uids",
    );
    expect(() => parseSequenceSet("1,".repeat(40_000) + "1")).toThrow("sequence set too long");
  });

  it("formats a parsed set", () => {
    expect(formatSequenceSet(set("4:2,7,*:9"))).toBe("2:4,7,*:9");
  });
});

describe("resolveMessageNumbers", () => {
  const v = view(10, 20, 30, 40, 50);

  it("maps sequence numbers to UIDs, sorted and unique", () => {
    const r = resolveMessageNumbers(set("4:2,1,3"), v);
    expect([...r.uids]).toEqual([10, 20, 30, 40]);
    expect([...r.seqs]).toEqual([1, 2, 3, 4]);
    expect(r.outOfRange).toBe(false);
  });

  it("resolves * to the message count (RFC 3501 §9 example *:4,5:7 on 10 messages)", () => {
    const ten = view(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    expect([...resolveMessageNumbers(set("*:4,5:7"), ten).seqs]).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect([...resolveMessageNumbers(set("*"), v).uids]).toEqual([50]);
  });

  it("returns what is in range and flags the rest", () => {
    const r = resolveMessageNumbers(set("4:9"), v);
    expect([...r.uids]).toEqual([40, 50]);
    expect(r.outOfRange).toBe(true);
    const far = resolveMessageNumbers(set("7:9"), v);
    expect(far.uids.length).toBe(0);
    expect(far.outOfRange).toBe(true);
  });

  it("treats * in an empty mailbox as out of range", () => {
    const r = resolveMessageNumbers(set("1:*"), view());
    expect(r.uids.length).toBe(0);
    expect(r.outOfRange).toBe(true);
  });
});

describe("resolveUids", () => {
  const v = view(3, 7, 8, 9, 15, 100);

  it("includes only UIDs that exist", () => {
    const r = resolveUidsWithSeqs(set("1:8,50:60,100"), v);
    expect([...r.uids]).toEqual([3, 7, 8, 100]);
    expect([...r.seqs]).toEqual([1, 2, 3, 6]);
    expect(resolveUids(set("1:8,50:60,100"), v)).toEqual(Uint32Array.from([3, 7, 8, 100]));
  });

  it("resolves * to the largest UID, and n:* above it still includes the last message (§9 seq-range)", () => {
    expect([...resolveUids(set("*"), v)]).toEqual([100]);
    expect([...resolveUids(set("9:*"), v)]).toEqual([9, 15, 100]);
    expect([...resolveUids(set("3291:*"), v)]).toEqual([100]);
    expect([...resolveUidsWithSeqs(set("3291:*"), v).seqs]).toEqual([6]);
  });

  it("merges overlapping ranges", () => {
    expect([...resolveUids(set("1:9,8:20,7"), v)]).toEqual([3, 7, 8, 9, 15]);
  });

  it("returns nothing in an empty mailbox", () => {
    expect(resolveUids(set("1:*"), view()).length).toBe(0);
    expect(resolveUidsWithSeqs(set("1:*"), view()).seqs.length).toBe(0);
  });
});

describe("large views", () => {
  // 200k UIDs with gaps, as after years of expunges.
  const big = new Uint32Array(200_000);
  for (let i = 0; i < big.length; i++) big[i] = i * 3 + 1;

  it("resolves 1:* on 200k UIDs in a few milliseconds", () => {
    const s = set("1:*");
    resolveUids(s, big); // warm up
    const t0 = performance.now();
    const byUid = resolveUidsWithSeqs(s, big);
    const bySeq = resolveMessageNumbers(s, big);
    const ms = performance.now() - t0;
    expect(byUid.uids.length).toBe(200_000);
    expect(bySeq.seqs[199_999]).toBe(200_000);
    expect(ms).toBeLessThan(50);
  });

  it("resolves 1:4294967295 without looping over the range", () => {
    const t0 = performance.now();
    const r = resolveUids(set("1:4294967295"), big);
    const seq = resolveMessageNumbers(set("1:4294967295"), big);
    const tiny = resolveUids(set("1:4294967295"), view(5));
    expect(performance.now() - t0).toBeLessThan(50);
    expect(r.length).toBe(200_000);
    expect(seq.outOfRange).toBe(true);
    expect([...tiny]).toEqual([5]);
  });

  it("resolves many small ranges by binary search", () => {
    const s = set(Array.from({ length: 4000 }, (_, i) => `${i * 120 + 1}:${i * 120 + 4}`).join(","));
    const t0 = performance.now();
    const r = resolveUids(s, big);
    expect(performance.now() - t0).toBeLessThan(50);
    // Each window 120i+1:120i+4 holds two of the UIDs 1, 4, 7, …
    expect(r.length).toBe(8000);
    expect(r[0]).toBe(1);
  });
});

describe("concreteRanges / rangesContain", () => {
  it("tests membership without a view (UID keys, VANISHED (EARLIER))", () => {
    const r = concreteRanges(set("10:12,1,5:*,3"), 7);
    expect([...r]).toEqual([1, 1, 3, 3, 5, 7, 10, 12]);
    for (const [n, inside] of [
      [0, false],
      [1, true],
      [2, false],
      [5, true],
      [7, true],
      [8, false],
      [12, true],
      [13, false],
    ] as const) {
      expect(rangesContain(r, n)).toBe(inside);
    }
    expect([...concreteRanges(set("*"), 0)]).toEqual([]);
  });
});

describe("uidRanges / seqOfUid", () => {
  it("gives merged [low, high] pairs for QRESYNC known-uids", () => {
    expect(uidRanges(parseSequenceSet("300:310,405,411,1:2,3"))).toEqual([
      [1, 3],
      [300, 310],
      [405, 405],
      [411, 411],
    ]);
    expect(() => uidRanges(parseSequenceSet("1:*"))).toThrow("* is not allowed in this UID set");
    expect(uidRanges(parseSequenceSet("5:*"), 3)).toEqual([[3, 5]]);
  });

  it("finds a UID's sequence number", () => {
    const v = view(3, 7, 8);
    expect(seqOfUid(v, 7)).toBe(2);
    expect(seqOfUid(v, 5)).toBe(0);
    expect(seqOfUid(v, 9)).toBe(0);
  });
});

describe("formatUidSet", () => {
  it("folds runs into ranges", () => {
    expect(formatUidSet([1, 2, 3, 5, 9, 10, 11, 12])).toBe("1:3,5,9:12");
    expect(formatUidSet(Uint32Array.from([7]))).toBe("7");
    expect(formatUidSet([])).toBe("");
    expect(formatUidSet([4, 4, 5])).toBe("4:5");
  });

  it("keeps the given order (COPYUID sets correspond element by element)", () => {
    expect(formatUidSet([5, 6, 1, 2])).toBe("5:6,1:2");
  });

  it("is fast on 100k UIDs", () => {
    const uids = Uint32Array.from({ length: 100_000 }, (_, i) => i * 2 + 1);
    const t0 = performance.now();
    const s = formatUidSet(uids);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(s.startsWith("1,3,5")).toBe(true);
  });
});

describe("numbers", () => {
  it("parses 32-bit numbers and 63-bit mod-sequences", () => {
    expect(parseNumber(args("a X 4294967295")[0])).toBe(4294967295);
    expect(() => parseNumber(args("a X 4294967296")[0], "size")).toThrow("size too large");
    expect(() => parseNumber(args("a X 0")[0], "n", { nonZero: true })).toThrow("n must not be 0");
    expect(() => parseNumber(args("a X -1")[0], "size")).toThrow("expected size");
    expect(parseModSeq(args("a X 9223372036854775807")[0])).toBe(Number(9223372036854775807n));
    expect(() => parseModSeq(args("a X 9223372036854775808")[0])).toThrow("mod-sequence too large");
    expect(() => parseModSeq(args('a X "5"')[0])).toThrow("expected mod-sequence");
  });
});
