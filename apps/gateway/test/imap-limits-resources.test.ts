// Resource promises: a client that stops reading does not make the gateway
// buffer a whole mailbox (FETCH back-pressure), and idle sessions are logged
// out (the session's checkTimeout, driven here with a fake clock and a fake
// transport: no 30-minute waits).
import v8 from "node:v8";
import vm from "node:vm";
import { seedMailbox } from "@postern/db/seed";
import {
  type Authenticator,
  IDLE_TIMEOUT_MS,
  MAX_PIPELINED_BYTES,
  type MailStore,
  PREAUTH_TIMEOUT_MS,
  Session,
  type Transport,
} from "@postern/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { message } from "../../../test/helpers/imap.ts";
import { eventually } from "../../../test/helpers/ports.ts";
import { RawImap } from "../../../test/helpers/raw-imap.ts";

// Live memory (not garbage) is what back-pressure bounds: collect before measuring.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const MB = 1024 * 1024;
function memory() {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, buffers: m.arrayBuffers };
}

describe("FETCH back-pressure", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  beforeAll(async () => {
    gw = await startTestGateway({ POSTERN_PLAINTEXT_LOOPBACK: "true" });
  });
  afterAll(() => gw?.close());

  // FETCH loads BATCH_BODY (25) messages per store round trip (commands/fetch.ts).
  const COUNT = 80;
  const SIZE = 512 * 1024;
  const BATCH = 25 * SIZE;

  it(`holds about one batch while the client does not read a ${(COUNT * SIZE) / MB} MB FETCH, then completes it`, async () => {
    const m = await seedMailbox(testContext());
    const bodies = Array.from({ length: COUNT }, (_, i) => {
      const head = message({ subject: `Big ${i}`, body: "" });
      return Buffer.concat([head, Buffer.alloc(SIZE - head.length - 2, `${i} lorem ipsum\r\n`), Buffer.from("\r\n")]);
    });
    const c = await RawImap.connect(gw.ports.imap, { timeoutMs: 60_000 });
    await c.command("a", `LOGIN "${m.address}" "${m.password}"`);
    c.send(
      Buffer.concat(
        bodies.flatMap((b, i) => [Buffer.from(`p${i} APPEND INBOX {${b.length}+}\r\n`), b, Buffer.from("\r\n")]),
      ),
    );
    expect((await c.command("b", "SELECT INBOX")).text).toContain(`* ${COUNT} EXISTS`);

    const before = memory();
    c.pause();
    c.send("f FETCH 1:* BODY[]\r\n");
    // Wait for the server to stall: live memory has risen (the first batch is
    // loaded) and then holds level for a second. The rise is measured from the
    // lowest level seen, not from `before`: the APPENDs' garbage may be
    // collected meanwhile and take the baseline down by several MB.
    const samples: number[] = [];
    let low = before.buffers;
    let level = before.buffers;
    let levelSince = Date.now();
    await eventually(
      async () => {
        const now = memory().buffers;
        low = Math.min(low, now);
        samples.push(now - before.buffers);
        if (Math.abs(now - level) > MB) [level, levelSince] = [now, Date.now()];
        return now - low > BATCH / 2 && Date.now() - levelSince >= 1000;
      },
      30_000,
      "the FETCH to stall on the unread socket",
    ).catch((err: Error) => {
      throw new Error(`${err.message}; live buffers over baseline (MB): ${samples.map((n) => (n / MB).toFixed(1))}`);
    });
    const stalled = memory();
    // Held over the lowest level seen (at most `before`): an upper bound on what the FETCH holds.
    const held = stalled.buffers - low;
    console.log(
      `back-pressure: buffers +${(held / MB).toFixed(1)} MB held, +${(Math.max(...samples) / MB).toFixed(1)} MB peak ` +
        `(one batch ${BATCH / MB} MB, whole FETCH ${(COUNT * SIZE) / MB} MB); ` +
        `RSS ${(before.rss / MB).toFixed(0)} → ${(stalled.rss / MB).toFixed(0)} MB`,
    );
    expect(held).toBeLessThan(BATCH + 8 * MB);

    c.resume();
    const r = await c.response("f", 60_000);
    expect(r.line).toBe("f OK FETCH completed");
    // Every message whole, in order: `* n FETCH (BODY[] {size}\r\n<bytes> …)`.
    const data = r.data;
    let at = 0;
    for (let i = 0; i < COUNT; i++) {
      const head = `* ${i + 1} FETCH (BODY[] {${bodies[i].length}}\r\n`;
      at = data.indexOf(head, at, "latin1");
      expect(at, `response for message ${i + 1}`).toBeGreaterThanOrEqual(0);
      at += head.length;
      expect(data.subarray(at, at + bodies[i].length).equals(bodies[i]), `body of message ${i + 1}`).toBe(true);
      at += bodies[i].length;
    }
    c.close();
  }, 120_000);
});

describe("pipelining behind a long command", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  beforeAll(async () => {
    gw = await startTestGateway({ POSTERN_PLAINTEXT_LOOPBACK: "true" });
  });
  afterAll(() => gw?.close());

  it(`finishes an APPEND {n+} over MAX_PIPELINED_BYTES (${MAX_PIPELINED_BYTES}) pipelined behind a large FETCH`, async () => {
    // A phone saving a big sent message while a download runs: the server stops reading
    // past MAX_PIPELINED_BYTES, and must read on once the FETCH is done.
    const m = await seedMailbox(testContext());
    const c = await RawImap.connect(gw.ports.imap, { timeoutMs: 30_000 });
    await c.command("a", `LOGIN "${m.address}" "${m.password}"`);
    const msg = Buffer.concat([message({ subject: "part" }), Buffer.alloc(256 * 1024, "lorem ipsum\r\n")]);
    c.send(
      Buffer.concat(
        Array.from({ length: 40 }, (_, i) => [`p${i} APPEND INBOX {${msg.length}+}\r\n`, msg, "\r\n"])
          .flat()
          .map((p) => Buffer.from(p)),
      ),
    );
    expect((await c.command("b", "SELECT INBOX")).text).toContain("* 40 EXISTS");
    const big = Buffer.concat([message({ subject: "big" }), Buffer.alloc(3 * MB, "x")]);
    c.send(`f FETCH 1:* BODY.PEEK[]\r\ng APPEND INBOX {${big.length}+}\r\n`);
    c.send(Buffer.concat([big, Buffer.from("\r\nh NOOP\r\n")]));
    expect((await c.response("f", 20_000)).line).toBe("f OK FETCH completed");
    const r = await c.response("h", 10_000);
    // The APPEND lands in the selected mailbox: EXISTS (and RECENT) may come first (RFC 3501 §6.3.11).
    expect(r.text).toMatch(/^(\* \d+ (EXISTS|RECENT)\r\n)*g OK \[APPENDUID \d+ 41\] APPEND completed\r\nh OK /);
    c.close();
  }, 60_000);
});

describe("idle timeouts (Session.checkTimeout)", () => {
  class RecordingTransport implements Transport {
    written = "";
    ended = false;
    write(chunks: Buffer[]): boolean {
      this.written += Buffer.concat(chunks).toString("latin1");
      return true;
    }
    drain = () => Promise.resolve();
    pause() {}
    resume() {}
    end() {
      this.ended = true;
    }
  }
  const T0 = Date.UTC(2026, 0, 1);
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const store = { close: async () => {} } as unknown as MailStore;
  const auth: Authenticator = { login: async (user) => ({ ok: true, store, user }) };

  function session() {
    const transport = new RecordingTransport();
    const s = new Session({
      transport,
      info: { id: "t", secure: false, remoteAddress: "127.0.0.1" },
      identity: { name: "Postern", version: "test" },
      log: silent,
      auth,
      canStartTls: false,
      plaintextAllowed: true,
    });
    s.start();
    return { s, transport };
  }
  async function run(s: Session, t: RecordingTransport, tag: string, command: string) {
    s.receive(Buffer.from(`${tag} ${command}\r\n`));
    await eventually(async () => new RegExp(`^${tag} OK`, "m").test(t.written), 2000, `${tag} OK`);
  }

  beforeAll(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => vi.setSystemTime(T0));
  afterAll(() => vi.useRealTimers());

  it("logs out an unauthenticated session after PREAUTH_TIMEOUT_MS without a command", async () => {
    vi.setSystemTime(T0);
    const { s, transport } = session();
    s.checkTimeout(T0 + PREAUTH_TIMEOUT_MS);
    expect(s.isClosed).toBe(false);
    // A command restarts the clock.
    vi.setSystemTime(T0 + PREAUTH_TIMEOUT_MS - 1000);
    await run(s, transport, "a", "NOOP");
    s.checkTimeout(T0 + PREAUTH_TIMEOUT_MS + 1);
    expect(s.isClosed).toBe(false);
    s.checkTimeout(T0 + 2 * PREAUTH_TIMEOUT_MS);
    expect(transport.written.endsWith("* BYE Autologout; idle for too long\r\n")).toBe(true);
    expect(transport.ended).toBe(true);
    expect(s.isClosed).toBe(true);
    // Nothing more is written or run after the BYE.
    const written = transport.written.length;
    s.receive(Buffer.from("b NOOP\r\n"));
    s.checkTimeout(T0 + 3 * PREAUTH_TIMEOUT_MS);
    expect(transport.written.length).toBe(written);
  });

  it("gives a logged-in session IDLE_TIMEOUT_MS (at least RFC 3501's 30 minutes)", async () => {
    expect(IDLE_TIMEOUT_MS).toBeGreaterThanOrEqual(30 * 60 * 1000);
    vi.setSystemTime(T0);
    const { s, transport } = session();
    await run(s, transport, "a", "LOGIN user@example.test secret");
    s.checkTimeout(T0 + PREAUTH_TIMEOUT_MS + 1);
    s.checkTimeout(T0 + IDLE_TIMEOUT_MS);
    expect(s.isClosed).toBe(false);
    expect(transport.written).not.toContain("BYE");
    s.checkTimeout(T0 + IDLE_TIMEOUT_MS + 1);
    expect(transport.written.endsWith("* BYE Autologout; idle for too long\r\n")).toBe(true);
    expect(transport.ended).toBe(true);
  });
});
