import { describe, expect, it } from "vitest";
import { CommandReceiver, type ReceiverEvent, tagOf } from "../src/wire/receiver.ts";

/** Feed input one byte at a time (or whole), accepting every literal, and collect events. */
function run(input: string | Buffer, opts: { byteAtATime?: boolean; decide?: (ev: ReceiverEvent) => boolean } = {}) {
  const r = new CommandReceiver({ maxLine: 100, maxCommand: 400 });
  const events: ReceiverEvent[] = [];
  const buf = typeof input === "string" ? Buffer.from(input, "latin1") : input;
  const drain = () => {
    for (let ev = r.next(); ev; ev = r.next()) {
      events.push(ev);
      if (ev.type === "literal") (opts.decide?.(ev) ?? true) ? r.accept() : r.reject();
    }
  };
  if (opts.byteAtATime) {
    for (const b of buf) {
      r.push(Buffer.from([b]));
      drain();
    }
  } else {
    r.push(buf);
    drain();
  }
  return { events, r };
}

const commands = (events: ReceiverEvent[]) =>
  events
    .filter((e) => e.type === "command")
    .map((e) =>
      e.type === "command" ? { lines: e.command.lines.map(String), literals: e.command.literals.map(String) } : null,
    );

describe("CommandReceiver", () => {
  for (const byteAtATime of [false, true]) {
    const mode = byteAtATime ? "byte at a time" : "in one piece";
    it(`frames pipelined commands (${mode})`, () => {
      const { events } = run("a NOOP\r\nb CAPABILITY\r\n", { byteAtATime });
      expect(commands(events)).toEqual([
        { lines: ["a NOOP"], literals: [] },
        { lines: ["b CAPABILITY"], literals: [] },
      ]);
    });

    it(`collects synchronising and non-synchronising literals (${mode})`, () => {
      const { events } = run("a LOGIN {3}\r\nana {5+}\r\nsecre\r\n", { byteAtATime });
      expect(events.filter((e) => e.type === "literal").map((e) => e.type === "literal" && [e.size, e.sync])).toEqual([
        [3, true],
        [5, false],
      ]);
      expect(commands(events)).toEqual([{ lines: ["a LOGIN {3}", " {5+}", ""], literals: ["ana", "secre"] }]);
    });

    it(`keeps CRLF inside a literal as data (${mode})`, () => {
      const { events } = run("a APPEND INBOX {4}\r\n\r\n\r\n\r\n", { byteAtATime });
      expect(commands(events)).toEqual([{ lines: ["a APPEND INBOX {4}", ""], literals: ["\r\n\r\n"] }]);
    });
  }

  it("accepts a zero-length literal", () => {
    const { events } = run('a LOGIN {0}\r\n "x"\r\n');
    expect(commands(events)).toEqual([{ lines: ["a LOGIN {0}", ' "x"'], literals: [""] }]);
  });

  it("reports a line over the limit once and recovers at the next line", () => {
    const { events } = run(`a ${"X".repeat(150)}\r\nb NOOP\r\n`, { byteAtATime: true });
    expect(events.map((e) => e.type)).toEqual(["tooLong", "command"]);
    expect(commands(events)).toEqual([{ lines: ["b NOOP"], literals: [] }]);
    expect(tagOf((events[0] as { head: Buffer }).head)).toBe("a");
  });

  it("does not execute a rejected synchronising literal's line", () => {
    const { events } = run("a LOGIN {999}\r\nb NOOP\r\n", { decide: () => false });
    // The client, told NO, does not send the literal: the next line is a new command.
    expect(commands(events)).toEqual([{ lines: ["b NOOP"], literals: [] }]);
  });

  it("reads past a rejected non-synchronising literal and the rest of its command", () => {
    const { events } = run("a APPEND INBOX {10+}\r\n0123456789 {3+}\r\nabc\r\nb NOOP\r\n", { decide: () => false });
    // Both literals and the line between them are dropped; no byte of them runs as a command.
    expect(commands(events)).toEqual([{ lines: ["b NOOP"], literals: [] }]);
  });

  it("limits a command's total size across literals", () => {
    const r = new CommandReceiver({ maxLine: 100, maxCommand: 50 });
    r.push(Buffer.from(`a X {2+}\r\nab ${"Y".repeat(45)} {2+}\r\n`));
    const first = r.next();
    expect(first?.type).toBe("literal");
    r.accept();
    expect(r.next()?.type).toBe("tooLong");
  });

  it("reset() drops everything pipelined (STARTTLS injection)", () => {
    const r = new CommandReceiver();
    r.push(Buffer.from("a STARTTLS\r\nb LOGIN evil evil\r\n"));
    expect(r.next()?.type).toBe("command");
    r.reset();
    expect(r.next()).toBeNull();
    expect(r.buffered).toBe(0);
  });

  it("accepts bare LF line endings from sloppy clients", () => {
    const { events } = run("a NOOP\nb NOOP\n");
    expect(commands(events).length).toBe(2);
  });

  it("extracts tags only when they are valid", () => {
    expect(tagOf(Buffer.from("A001 NOOP"))).toBe("A001");
    expect(tagOf(Buffer.from("+ NOOP"))).toBeNull();
    expect(tagOf(Buffer.from("a{b NOOP"))).toBeNull();
  });
});
