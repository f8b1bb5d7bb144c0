// Deleting at a POP3 backend: DELE marks, only QUIT deletes (RFC 1939 §6).
// Checked with Python's poplib: exactly the given UIDLs go, a repeat does
// nothing more, and a connection lost before QUIT's answer deletes nothing
// and says `unavailable`, so the engine retries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dovecot } from "../../../test/helpers/dovecot.ts";
import { pop3Driver } from "../src/backends/pop3/index.ts";
import {
  account,
  failure,
  mail,
  poplibUidls,
  startPop3Backend,
  startProxy,
  type TcpProxy,
} from "./backend-pop3-fixture.ts";

let dc: Dovecot;
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  dc = await startPop3Backend(["exact", "cut", "none"]);
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await dc?.stop();
});

async function deliverN(user: string, n: number): Promise<string[]> {
  for (let i = 1; i <= n; i++) await dc.deliver(user, mail({ subject: `${user} ${i}` }));
  return poplibUidls(dc, user);
}

describe("expunge", () => {
  it("deletes exactly the messages with the given UIDLs, and a repeat changes nothing", async () => {
    const uids = await deliverN("exact", 6);
    const s = await pop3Driver.connect(account(dc, "exact"));
    await s.expunge("INBOX", [uids[1], uids[4], "never-there"]);
    const left = [uids[0], uids[2], uids[3], uids[5]];
    expect(await poplibUidls(dc, "exact")).toEqual(left);
    // Again, with one more: the ones already gone are skipped.
    await s.expunge("INBOX", [uids[1], uids[4]]);
    expect(await poplibUidls(dc, "exact")).toEqual(left);
    await s.expunge("IGNORED-FOLDER-NAME", [uids[4], uids[5]]);
    expect(await poplibUidls(dc, "exact")).toEqual(left.slice(0, 3));
    const r = await s.syncFolder("INBOX", null, { known: new Set(left) });
    expect(r.present).toEqual(new Set(left.slice(0, 3)));
  });

  it("does not connect at all for nothing to delete", async () => {
    const proxy = await startProxy(dc.pop3Port);
    proxies.push(proxy);
    const s = await pop3Driver.connect(account(dc, "none", { port: proxy.port, security: "none" }));
    const after = proxy.stats.connections;
    await s.expunge("INBOX", []);
    expect(proxy.stats.connections).toBe(after);
  });

  it("deletes nothing, and says unavailable, when the connection drops before QUIT is answered", async () => {
    const uids = await deliverN("cut", 3);
    let cutting = true;
    // The network fails at the worst moment: the DELEs were accepted, the QUIT never arrives.
    const proxy = await startProxy(dc.pop3Port, (line) => (line === "QUIT" && cutting ? "cut" : line));
    proxies.push(proxy);
    cutting = false;
    const s = await pop3Driver.connect(account(dc, "cut", { port: proxy.port, security: "none" }));
    cutting = true;
    const err = await failure(s.expunge("INBOX", [uids[0], uids[2]]));
    expect(err.code).toBe("unavailable");
    expect(err.detail).toMatch(/QUIT/);
    expect(proxy.clientLines.filter((l) => l.startsWith("DELE"))).toEqual(["DELE 1", "DELE 3"]);
    expect(await poplibUidls(dc, "cut")).toEqual(uids);
    // The engine retries once the network is back: now it happens.
    cutting = false;
    await s.expunge("INBOX", [uids[0], uids[2]]);
    expect(await poplibUidls(dc, "cut")).toEqual([uids[1]]);
  });
});
