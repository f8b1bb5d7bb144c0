import { describe, expect, it } from "vitest";
import { Chunks } from "../src/wire/encoder.ts";

describe("Chunks", () => {
  it("writes ASCII, integers and UTF-8 into one stream, with literals between", () => {
    const c = new Chunks();
    c.ascii("* ").int(0).ascii(" ").int(7).ascii(" ").int(4294967295).add(" Grüße ").addBuffer(Buffer.from("{lit}"));
    c.int(1234567890123).ascii("\r\n");
    expect(Buffer.concat(c.buffers()).toString("utf8")).toBe("* 0 7 4294967295 Grüße {lit}1234567890123\r\n");
  });

  it("grows past its first buffer without losing bytes", () => {
    const c = new Chunks();
    let expected = "";
    for (let i = 0; i < 20_000; i++) {
      c.ascii("x").int(i);
      expected += `x${i}`;
    }
    expect(Buffer.concat(c.take()).toString("latin1")).toBe(expected);
    expect(c.size).toBe(0);
  });
});
