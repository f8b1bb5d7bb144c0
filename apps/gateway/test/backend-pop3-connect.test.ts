// The POP3 driver logging in to a real Dovecot: implicit TLS, STLS,
// cleartext; certificate checks; SASL PLAIN, and USER/PASS for a server
// without CAPA; wrong password;
// nothing listening; a server that does not offer STLS; a maildrop locked
// by another session ([IN-USE]); and what a folderless backend says to the
// calls it cannot serve.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dovecot } from "../../../test/helpers/dovecot.ts";
import { freePort } from "../../../test/helpers/ports.ts";
import { Pop3Client, pop3Driver } from "../src/backends/pop3/index.ts";
import { clientOptions } from "../src/backends/pop3/session.ts";
import type { BackendSession } from "../src/backends/types.ts";
import {
  account,
  failure,
  holdMaildrop,
  LOCK_SESSIONS,
  mail,
  startPop3Backend,
  startProxy,
  type TcpProxy,
} from "./backend-pop3-fixture.ts";

const USERS = ["tls", "starttls", "plain", "wrong", "caps", "serial", "classic"];
let dc: Dovecot;
let locking: Dovecot;
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  [dc, locking] = await Promise.all([
    startPop3Backend(USERS),
    startPop3Backend(["locked", "slow"], { extraConfig: LOCK_SESSIONS }),
  ]);
  for (const user of USERS) await dc.deliver(user, mail({ subject: `for ${user}` }));
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all([dc, locking].map((d) => d?.stop()));
});

async function subjects(s: BackendSession): Promise<string[]> {
  const r = await s.syncFolder("INBOX", null);
  return r.added.map((m) => m.envelope?.subject ?? "");
}

describe("logging in", () => {
  it("over implicit TLS (RFC 8314), verifying the certificate against the account's CA", async () => {
    const s = await pop3Driver.connect(account(dc, "tls", { security: "tls", port: dc.pop3sPort! }));
    expect(await subjects(s)).toEqual(["for tls"]);
  });

  it("with STLS", async () => {
    const s = await pop3Driver.connect(account(dc, "starttls"));
    expect(await subjects(s)).toEqual(["for starttls"]);
  });

  it("in the clear when the account says so", async () => {
    const s = await pop3Driver.connect(account(dc, "plain", { security: "none", ca: undefined }));
    expect(await subjects(s)).toEqual(["for plain"]);
  });

  it("refuses a certificate nobody vouches for, unless verification is turned off", async () => {
    for (const over of [{ security: "tls" as const, port: dc.pop3sPort! }, { security: "starttls" as const }]) {
      const err = await failure(pop3Driver.connect(account(dc, "tls", { ...over, ca: undefined })));
      expect(err.code).toBe("unavailable");
      expect(err.detail).toMatch(/certificate/i);
    }
    const s = await pop3Driver.connect(
      account(dc, "tls", { security: "tls", port: dc.pop3sPort!, ca: undefined, insecureTls: true }),
    );
    expect(await subjects(s)).toEqual(["for tls"]);
  });

  it("says authFailed for a wrong password, with the server's words only in detail", async () => {
    const err = await failure(pop3Driver.connect(account(dc, "wrong", { password: "not-it-123" })));
    expect(err.code).toBe("authFailed");
    expect(err.message).not.toMatch(/\[AUTH\]|not-it/);
    expect(err.detail).toMatch(/AUTH PLAIN: -ERR \[AUTH\]/);
    expect(err.detail).not.toContain("not-it-123");
    expect(err.detail).not.toContain(Buffer.from("\0wrong\0not-it-123").toString("base64"));
  });

  it("works with a server without CAPA, logging in with USER/PASS", async () => {
    // Dovecot behind a proxy that turns CAPA into an unknown command: what a pre-RFC 2449 server answers.
    const proxy = await startProxy(dc.pop3Port, (line) => (line === "CAPA" ? "XCAPA" : line));
    proxies.push(proxy);
    const cfg = account(dc, "classic", { port: proxy.port, security: "none" });
    expect(await subjects(await pop3Driver.connect(cfg))).toEqual(["for classic"]);
    expect(proxy.clientLines.slice(0, 3)).toEqual(["CAPA", "USER classic", "PASS classic-pass"]);
    const err = await failure(pop3Driver.connect({ ...cfg, password: "nope-nope" }));
    expect(err.code).toBe("authFailed");
    expect(err.detail).toMatch(/PASS: -ERR/);
    expect(err.detail).not.toContain("nope-nope");
  });

  it("says unavailable when nothing listens", async () => {
    const err = await failure(pop3Driver.connect(account(dc, "wrong", { port: await freePort() })));
    expect(err.code).toBe("unavailable");
    expect(err.detail).toMatch(/ECONNREFUSED/);
  });
});

describe("a server that does not offer STLS", () => {
  // A fake server, for this case only: Dovecot always offers STLS when it has a certificate.
  it("is refused with notPossible before any credential is sent", async () => {
    const received: string[] = [];
    const fakeWithoutStls = net.createServer((sock) => {
      sock.write("+OK fake POP3 server without STLS\r\n");
      let buf = "";
      sock.on("data", (d) => {
        buf += d.toString("latin1");
        for (let i = buf.indexOf("\r\n"); i >= 0; i = buf.indexOf("\r\n")) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          received.push(line);
          if (line === "CAPA") sock.write("+OK\r\nUSER\r\nSASL PLAIN\r\nUIDL\r\n.\r\n");
          else if (line === "QUIT") sock.end("+OK bye\r\n");
          else sock.write("+OK\r\n");
        }
      });
      sock.on("error", () => {});
    });
    await new Promise<void>((resolve) => fakeWithoutStls.listen(0, "127.0.0.1", resolve));
    try {
      const port = (fakeWithoutStls.address() as net.AddressInfo).port;
      const err = await failure(pop3Driver.connect(account(dc, "caps", { port, password: "secret-pw" })));
      expect(err.code).toBe("notPossible");
      expect(err.detail).toMatch(/STLS required/);
      expect(received).toEqual(["CAPA"]);
    } finally {
      await new Promise((resolve) => fakeWithoutStls.close(resolve));
    }
  });
});

describe("a maildrop locked by another POP3 session", () => {
  it("is [IN-USE]: unavailable, and works again once the other session ends", async () => {
    await locking.deliver("locked", mail({ subject: "waiting" }));
    const s = await pop3Driver.connect(account(locking, "locked"));
    const other = await holdMaildrop(locking, "locked");
    try {
      // Dovecot waits up to 10 s for the lock, then answers -ERR [IN-USE].
      const err = await failure(s.syncFolder("INBOX", null));
      expect(err.code).toBe("unavailable");
      expect(err.detail).toMatch(/-ERR \[IN-USE\]/);
    } finally {
      await other.release();
    }
    expect(await subjects(s)).toEqual(["waiting"]);
  }, 40_000);

  it("times out (unavailable) when the server does not answer within the response timeout", async () => {
    const other = await holdMaildrop(locking, "slow");
    try {
      const opts = { ...clientOptions(account(locking, "slow")), timeouts: { responseMs: 500 } };
      const err = await failure(Pop3Client.open(opts));
      expect(err.code).toBe("unavailable");
      expect(err.detail).toMatch(/AUTH PLAIN: no response within 500 ms/);
    } finally {
      await other.release();
    }
  });

  it("is never opened twice at once by this process, however many sessions and calls", async () => {
    const proxy = await startProxy(dc.pop3Port);
    proxies.push(proxy);
    const cfg = account(dc, "serial", { port: proxy.port, security: "none" });
    const [a, b] = await Promise.all([pop3Driver.connect(cfg), pop3Driver.connect(cfg)]);
    const results = await Promise.allSettled([
      a.syncFolder("INBOX", null),
      b.syncFolder("INBOX", null),
      a.syncFolder("INBOX", null),
      b.fetchRaw("INBOX", "none-such"),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected"]);
    expect(proxy.stats.connections).toBe(6);
    expect(proxy.stats.mostAtOnce).toBe(1);
    // Every session but the failed fetch ended with QUIT; that one was dropped without it.
    expect(proxy.clientLines.filter((l) => l === "QUIT").length).toBe(5);
  });
});

describe("what POP3 cannot do", () => {
  it("has one folder, no flags, no push, and says notPossible to folder and copy calls", async () => {
    const s = await pop3Driver.connect(account(dc, "caps"));
    expect(s.capabilities).toEqual({
      flags: false,
      folders: false,
      push: false,
      incremental: false,
      move: false,
      uidplus: false,
    });
    expect(await s.listFolders()).toEqual([
      { ref: "INBOX", name: "INBOX", specialUse: null, subscribed: true, noSelect: false },
    ]);
    expect(s.folderRefFor("INBOX")).toBe("INBOX");
    await expect(s.setFlags("INBOX", ["x"], { add: ["\\Seen"], remove: [] })).resolves.toBeUndefined();
    expect(await s.findByMessageId("INBOX", "<a@b>")).toEqual([]);
    const refused = [
      s.copy("INBOX", ["x"], "Archive"),
      s.move("INBOX", ["x"], "Archive"),
      s.append("INBOX", mail(), { flags: [] }),
      s.createFolder("Archive"),
      s.renameFolder("Archive", "Old"),
      s.deleteFolder("Archive"),
      s.watch("INBOX", () => {}),
    ];
    for (const p of refused) expect((await failure(p)).code).toBe("notPossible");
    expect((await failure(s.syncFolder("Archive", null))).code).toBe("nonexistent");
    await s.close();
  });
});
