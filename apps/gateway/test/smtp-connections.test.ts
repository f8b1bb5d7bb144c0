// The limits that guard the SMTP listeners themselves, before any message:
// connections per client IP, commands before AUTH, and a device revoked
// while its phone holds a logged-in session. Each driven over a raw TLS
// socket, so the test sees exactly what a phone would read on the wire.
import tls from "node:tls";
import { revokeDevice } from "@postern/db/provisioning";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import type { Gateway } from "../src/gateway.ts";
import { hostedSender, type Sender } from "./smtp-fixture.ts";

const PER_IP = 3;
const BEFORE_AUTH = 4;
let gw: Gateway;
const senders: Sender[] = [];

beforeAll(async () => {
  gw = await startTestGateway({}, { smtpLimits: { connectionsPerIp: PER_IP, commandsBeforeAuth: BEFORE_AUTH } });
});
afterAll(async () => {
  await gw?.close();
  await testPrisma().outboundMessage.deleteMany({ where: { mailboxId: { in: senders.map((s) => s.mailboxId) } } });
});

/** A line-at-a-time SMTP conversation over implicit TLS. */
class Wire {
  private buf = "";
  private waiters: Array<() => void> = [];
  closed = false;
  private constructor(readonly socket: tls.TLSSocket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.buf += d;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on("close", () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on("error", () => {});
  }

  static open(): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: "127.0.0.1", port: gw.ports.smtps, ca: gw.tls.cert, servername: "localhost" });
      s.once("secureConnect", () => resolve(new Wire(s)));
      s.once("error", reject);
    });
  }

  /** The next complete reply (all its continuation lines), or null once the server has closed. */
  async reply(timeoutMs = 10_000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[0].trimEnd();
      }
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms; have ${JSON.stringify(this.buf)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async cmd(line: string): Promise<string | null> {
    if (!this.closed) this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  close() {
    this.socket.destroy();
  }
}

const plain = (user: string, pass: string) => `AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString("base64")}`;

describe("SMTP connection limits", () => {
  it(`lets ${PER_IP} connections in from one address; the next gets 421 4.7.0 and is closed; one leaving makes room`, async () => {
    const open: Wire[] = [];
    try {
      for (let i = 0; i < PER_IP; i++) {
        const w = await Wire.open();
        expect(await w.reply()).toMatch(/^220 /);
        open.push(w);
      }
      const extra = await Wire.open();
      expect(await extra.reply()).toMatch(/^421 4\.7\.0 /);
      expect(await extra.reply()).toBeNull(); // closed by the server
      const first = open.shift();
      first?.close();
      // The slot frees when the server sees the close: a new connection is let in shortly after.
      let greeting: string | null = null;
      for (let i = 0; i < 50 && !greeting?.startsWith("220 "); i++) {
        const w = await Wire.open();
        greeting = await w.reply();
        if (greeting?.startsWith("220 ")) open.push(w);
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(greeting).toMatch(/^220 /);
    } finally {
      for (const w of open) w.close();
    }
  });

  it(`closes a connection that sends more than ${BEFORE_AUTH} commands without authenticating`, async () => {
    // Let the previous test's sockets be counted out.
    await new Promise((r) => setTimeout(r, 300));
    const w = await Wire.open();
    try {
      expect(await w.reply()).toMatch(/^220 /);
      const replies: Array<string | null> = [];
      for (let i = 0; i < BEFORE_AUTH + 2 && !w.closed; i++) replies.push(await w.cmd("NOOP"));
      expect(replies.slice(0, BEFORE_AUTH).every((r) => r?.startsWith("250"))).toBe(true);
      expect(replies[BEFORE_AUTH]).toMatch(/^421 /);
      expect(await w.reply()).toBeNull();
    } finally {
      w.close();
    }
  });

  it("a device revoked while its phone is logged in cannot send another message: 530 5.7.0", async () => {
    const alice = await hostedSender();
    senders.push(alice);
    const w = await Wire.open();
    try {
      expect(await w.reply()).toMatch(/^220 /);
      expect(await w.cmd("EHLO phone.example")).toMatch(/^250/);
      expect(await w.cmd(plain(alice.address, alice.password))).toMatch(/^235 /);
      // First message goes through.
      expect(await w.cmd(`MAIL FROM:<${alice.address}>`)).toMatch(/^250/);
      expect(await w.cmd("RSET")).toMatch(/^250/);
      await revokeDevice(testContext(), { id: alice.deviceId });
      expect(await w.cmd(`MAIL FROM:<${alice.address}>`)).toMatch(/^530 5\.7\.0 /);
      expect(await testPrisma().outboundMessage.count({ where: { mailboxId: alice.mailboxId } })).toBe(0);
    } finally {
      w.close();
    }
  });
});
