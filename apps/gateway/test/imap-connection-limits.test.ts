// The IMAP connection limits (CONNECTION_LIMITS in packages/protocol's
// limits.ts), lowered here so a test can reach them: connections from one
// address, connections in all, and logged-in sessions of one mailbox from
// one address. Raw sockets read exactly what a phone would.
import net from "node:net";
import { seedMailbox } from "@postern/db/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { eventually } from "../../../test/helpers/ports.ts";
import { ConfigError, loadConfig } from "../src/config.ts";

const LIMITS = { connectionsPerIp: 3, maxConnections: 4, sessionsPerMailboxAndIp: 2 };
let gw: Awaited<ReturnType<typeof startTestGateway>>;
const open = new Set<Wire>();

beforeAll(async () => {
  gw = await startTestGateway({ POSTERN_PLAINTEXT_LOOPBACK: "true" }, { imapLimits: LIMITS });
});
afterAll(async () => {
  for (const w of open) w.close();
  await gw?.close();
});

/** An IMAP connection in the clear (loopback, plaintext allowed), from a chosen loopback address. */
class Wire {
  private buf = "";
  closed = false;
  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.buf += d;
    });
    socket.on("close", () => {
      this.closed = true;
      open.delete(this);
    });
    socket.on("error", () => {});
    open.add(this);
  }

  static connect(from = "127.0.0.1"): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port: gw.ports.imap, localAddress: from });
      s.once("connect", () => resolve(new Wire(s)));
      s.once("error", reject);
    });
  }

  /** The first line the server sent (the greeting, or its refusal). */
  async greeting(): Promise<string> {
    await eventually(async () => this.buf.includes("\r\n"), 5000, "a greeting");
    return this.buf.split("\r\n")[0];
  }

  /** Send a tagged command; resolve with its tagged reply line. */
  async cmd(tag: string, line: string): Promise<string> {
    this.socket.write(`${tag} ${line}\r\n`);
    const re = new RegExp(`^${tag} .*$`, "m");
    await eventually(async () => re.test(this.buf), 5000, `the reply to ${tag}`);
    return (re.exec(this.buf) as RegExpExecArray)[0].trimEnd();
  }

  close() {
    this.socket.destroy();
  }
}

describe("IMAP connection limits", () => {
  it(`greets ${LIMITS.connectionsPerIp} connections from one address and refuses the next with * BYE [UNAVAILABLE]; one leaving makes room`, async () => {
    const mine: Wire[] = [];
    for (let i = 0; i < LIMITS.connectionsPerIp; i++) {
      const w = await Wire.connect();
      expect(await w.greeting()).toMatch(/^\* OK /);
      mine.push(w);
    }
    const extra = await Wire.connect();
    expect(await extra.greeting()).toMatch(/^\* BYE \[UNAVAILABLE\] Too many connections from your address/);
    await eventually(async () => extra.closed, 5000, "the refused connection to be closed");
    // Another address is not affected by this one's count.
    const other = await Wire.connect("127.0.0.2");
    expect(await other.greeting()).toMatch(/^\* OK /);
    // …but the total is now reached.
    const fifth = await Wire.connect("127.0.0.3");
    expect(await fifth.greeting()).toMatch(/^\* BYE \[UNAVAILABLE\] This server is at its connection limit/);
    for (const w of [...mine, other]) w.close();
    // Slots free as the server sees the closes.
    await eventually(
      async () => {
        const w = await Wire.connect();
        const ok = (await w.greeting()).startsWith("* OK");
        w.close();
        return ok;
      },
      5000,
      "a new connection to be greeted",
    );
  });

  it(`lets a mailbox log in ${LIMITS.sessionsPerMailboxAndIp} times from one address; the next LOGIN gets NO [LIMIT], not counted as a failure`, async () => {
    await eventually(async () => open.size === 0, 5000, "earlier connections to close");
    const m = await seedMailbox(testContext());
    const login = `LOGIN ${m.address} ${m.password}`;
    const first = await Wire.connect();
    const second = await Wire.connect();
    await first.greeting();
    await second.greeting();
    expect(await first.cmd("a1", login)).toMatch(/^a1 OK /);
    expect(await second.cmd("a1", login)).toMatch(/^a1 OK /);
    const third = await Wire.connect();
    await third.greeting();
    // Refused three times over (MAX_AUTH_FAILURES_PER_CONNECTION is 3): the connection stays up, it is no failed login.
    for (const tag of ["b1", "b2", "b3"])
      expect(await third.cmd(tag, login)).toMatch(
        new RegExp(`^${tag} NO \\[LIMIT\\] Too many connections to this mailbox`),
      );
    expect(third.closed).toBe(false);
    // One session ends: the waiting connection logs in.
    expect(await first.cmd("a2", "LOGOUT")).toMatch(/^a2 OK/);
    await eventually(async () => first.closed, 5000, "the logged-out connection to close");
    expect(await third.cmd("b4", login)).toMatch(/^b4 OK /);
    // Another mailbox from the same address is counted on its own.
    const n = await seedMailbox(testContext());
    expect(await third.cmd("b5", "LOGOUT")).toMatch(/^b5 OK/);
    const fourth = await Wire.connect();
    await fourth.greeting();
    expect(await fourth.cmd("c1", `LOGIN ${n.address} ${n.password}`)).toMatch(/^c1 OK /);
  });
});

describe("IMAP connection limits from the environment", () => {
  it("reads IMAP_MAX_* and refuses a value that is not a whole number", () => {
    expect(loadConfig({ IMAP_MAX_CONNECTIONS_PER_IP: "7", IMAP_MAX_SESSIONS_PER_MAILBOX_IP: "3" }).imapLimits).toEqual({
      connectionsPerIp: 7,
      sessionsPerMailboxAndIp: 3,
    });
    expect(loadConfig({}).imapLimits).toEqual({});
    expect(() => loadConfig({ IMAP_MAX_CONNECTIONS: "lots" })).toThrow(ConfigError);
    expect(() => loadConfig({ IMAP_MAX_CONNECTIONS: "0" })).toThrow(/IMAP_MAX_CONNECTIONS must be a whole number/);
  });
});
