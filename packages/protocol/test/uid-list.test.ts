import { describe, expect, it } from "vitest";
import { UidList } from "../src/uid-list.ts";

/** A model: the plain sorted array the runs must always agree with. */
function check(l: UidList, model: number[]) {
  expect(l.length).toBe(model.length);
  expect(Array.from(l.toArray())).toEqual(model);
  model.forEach((uid, i) => {
    expect(l.seqOf(uid)).toBe(i + 1);
    expect(l.at(i + 1)).toBe(uid);
  });
  expect(l.at(0)).toBe(0);
  expect(l.at(model.length + 1)).toBe(0);
  expect(l.last).toBe(model.length ? model[model.length - 1] : 0);
}

describe("UidList", () => {
  it("keeps a contiguous 10,000-message folder as one run", () => {
    const l = UidList.from(Uint32Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(l.runs).toBe(1);
    expect(l.seqOf(5000)).toBe(5000);
    expect(l.at(10_000)).toBe(10_000);
  });

  it("agrees with a plain array through random appends and removals", () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const l = new UidList();
    const model: number[] = [];
    let next = 1;
    for (let step = 0; step < 3000; step++) {
      if (model.length && rand(3) === 0) {
        const uid = model[rand(model.length)];
        const seq = model.indexOf(uid) + 1;
        expect(l.remove(uid)).toBe(seq);
        model.splice(seq - 1, 1);
      } else {
        next += 1 + (rand(4) === 0 ? rand(5) : 0);
        l.push(next);
        model.push(next);
      }
      if (step % 250 === 0) check(l, model);
    }
    check(l, model);
    expect(l.remove(999_999)).toBe(0);
  });

  it("refuses a UID that is not above the last", () => {
    const l = UidList.from([1, 2, 3]);
    expect(() => l.push(3)).toThrow(RangeError);
  });
});
