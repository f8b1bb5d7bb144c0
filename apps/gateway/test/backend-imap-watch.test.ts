// watch(): push from a real Dovecot. IDLE wakes the engine within a second
// of a delivery, of another client's flag change and of an expunge; a server
// without IDLE is polled with NOOP; a dropped connection comes back by
// itself (and wakes the engine, since it may have missed something); stop()
// and close() end the watch's connection.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dovecot } from "../../../test/helpers/dovecot.ts";
import { clientOptions } from "../src/backends/imap/connection.ts";
import { imapDriver } from "../src/backends/imap/index.ts";
import { IDLE_RESTART_MS } from "../src/backends/imap/limits.ts";
import { pollIntervalMs, reconnectDelay } from "../src/backends/imap/watch.ts";
import type { BackendSession } from "../src/backends/types.ts";
import { account, direct, eventually, mail, startBackend, without } from "./backend-imap-fixture.ts";

let dc: Dovecot;
let noIdle: Dovecot;
const sessions: BackendSession[] = [];

beforeAll(async () => {
  dc = await startBackend(["idle", "kick", "stop", "close"]);
  noIdle = await startBackend(["poll"], { extraConfig: without("IDLE") });
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await Promise.all([dc?.stop(), noIdle?.stop()]);
});

async function session(server: Dovecot, user: string, options: Record<string, unknown> = {}) {
  const s = await imapDriver.connect(account(server, user, { options }));
  sessions.push(s);
  return s;
}

/** Counts onChange calls and lets a test wait for the next one. */
function changes() {
  let count = 0;
  let waiters: Array<() => void> = [];
  return {
    onChange: () => {
      count++;
      for (const w of waiters) w();
      waiters = [];
    },
    get count() {
      return count;
    },
    /** Resolves with the ms it took for the count to pass `seen`. */
    async after(seen: number, timeoutMs: number): Promise<number> {
      const start = Date.now();
      while (count <= seen) {
        const left = timeoutMs - (Date.now() - start);
        if (left <= 0) throw new Error(`no change within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return Date.now() - start;
    },
  };
}

/** IMAP sessions Dovecot has open for a user (doveadm who). */
async function connections(server: Dovecot, user: string): Promise<number> {
  const out = await server.doveadm(["who", "-1", user]);
  return out.split("\n").filter((l) => l.startsWith(`${user} `) && /\bimap\b/.test(l)).length;
}

describe("watch with IDLE", () => {
  it("fires within 1 s of a delivery, a flag change and an expunge by another client", async () => {
    const s = await session(dc, "idle");
    const seen = changes();
    const stop = await s.watch("INBOX", seen.onChange);

    let n = seen.count;
    await dc.deliver("idle", mail({ subject: "pushed" }));
    // Dovecot itself waits 0.5 s after a change before it tells IDLE sessions (NOTIFY_DELAY_MSECS).
    expect(await seen.after(n, 1000)).toBeLessThanOrEqual(1000);

    const other = await direct(dc, "idle");
    await other.mailboxOpen("INBOX");
    n = seen.count;
    await other.messageFlagsAdd("1:*", ["\\Seen"]);
    await seen.after(n, 1000);

    n = seen.count;
    await other.messageDelete("1:*");
    await seen.after(n, 1000);
    await other.logout();
    await stop();
  });

  it("re-issues IDLE before RFC 2177's 29 minutes are up", () => {
    const opts = clientOptions(account(dc, "idle"), "watch");
    expect(opts.maxIdleTime).toBe(IDLE_RESTART_MS);
    expect(IDLE_RESTART_MS).toBeLessThan(29 * 60_000);
    // The command connection never IDLEs.
    expect(clientOptions(account(dc, "idle"), "commands")).toMatchObject({
      disableAutoIdle: true,
      maxIdleTime: undefined,
    });
  });

  it("comes back by itself after the connection drops, and says so", async () => {
    const s = await session(dc, "kick");
    const seen = changes();
    const stop = await s.watch("INBOX", seen.onChange);
    await eventually(async () => (await connections(dc, "kick")) === 2, 5000, "two sessions");
    let n = seen.count;
    await dc.doveadm(["kick", "kick"]);
    // Reconnected (first retry after ~1 s): the engine is told changes may have been missed.
    await seen.after(n, 5000);
    await eventually(async () => (await connections(dc, "kick")) >= 1, 5000, "the watch back");
    n = seen.count;
    await dc.deliver("kick", mail({ subject: "after the drop" }));
    await seen.after(n, 1000);
    await stop();
  });

  it("stop() and close() end the watch's connection", async () => {
    const s = await session(dc, "stop");
    const seen = changes();
    const stopA = await s.watch("INBOX", seen.onChange);
    await s.watch("INBOX", seen.onChange);
    await s.listFolders();
    await eventually(async () => (await connections(dc, "stop")) === 3, 5000, "three sessions");
    await stopA();
    await eventually(async () => (await connections(dc, "stop")) === 2, 5000, "one watch stopped");
    await s.close();
    await eventually(async () => (await connections(dc, "stop")) === 0, 5000, "all closed");
  });
});

describe("watch without IDLE", () => {
  it("polls with NOOP every options.pollIntervalSeconds", async () => {
    expect(pollIntervalMs(account(noIdle, "poll"))).toBe(30_000);
    expect(pollIntervalMs(account(noIdle, "poll", { options: { pollIntervalSeconds: 1 } }))).toBe(5_000);
    const s = await session(noIdle, "poll", { pollIntervalSeconds: 5 });
    expect(s.capabilities.push).toBe(false);
    const seen = changes();
    const stop = await s.watch("INBOX", seen.onChange);
    const n = seen.count;
    await noIdle.deliver("poll", mail({ subject: "polled" }));
    await seen.after(n, 7000);
    await stop();
  }, 20_000);
});

describe("reconnect backoff", () => {
  it("doubles from 1 s to a 60 s cap, with jitter", () => {
    for (let i = 0; i < 50; i++) {
      expect(reconnectDelay(0)).toBeGreaterThanOrEqual(800);
      expect(reconnectDelay(0)).toBeLessThanOrEqual(1200);
      expect(reconnectDelay(3)).toBeGreaterThanOrEqual(6400);
      expect(reconnectDelay(20)).toBeLessThanOrEqual(72_000);
    }
  });
});
