// Two gateway instances on one database (how Postern scales out): a phone on
// gateway A changes a mailbox and a phone IDLE-ing on gateway B hears it,
// carried by PostgreSQL NOTIFY. When B's LISTEN connection drops, what is
// announced meanwhile is lost — so on reconnecting B wakes every IDLE
// session to read what changed, and ends sessions of devices revoked in the
// gap. Without that, B's phone would hear nothing until it next spoke.
import { revokeDevice } from "@postern/db/provisioning";
import { seedMailbox } from "@postern/db/seed";
import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow, message } from "../../../test/helpers/imap.ts";
import { eventually } from "../../../test/helpers/ports.ts";

let a: Awaited<ReturnType<typeof startTestGateway>>;
let b: Awaited<ReturnType<typeof startTestGateway>>;
const clients: ImapFlow[] = [];

beforeAll(async () => {
  [a, b] = await Promise.all([startTestGateway(), startTestGateway()]);
});
afterAll(async () => {
  for (const c of clients) await c.logout().catch(() => {});
  await Promise.all([a?.close(), b?.close()]);
});

async function phone(gw: typeof a, acct: { address: string; password: string }): Promise<ImapFlow> {
  const c = await imapflow(gw, acct);
  clients.push(c);
  return c;
}

/** B's LISTEN connection, cut by the server (as a failover or a network blip would). */
async function cutListenerOfB(): Promise<boolean> {
  const pid = b.events.backendPid;
  const rows = await testPrisma().$queryRaw<Array<{ ok: boolean; app: string }>>`
    SELECT pg_terminate_backend(pid) AS ok, application_name AS app FROM pg_stat_activity WHERE pid = ${pid}`;
  return rows.length === 1 && rows[0].ok && rows[0].app === "postern-events";
}

describe("two gateways, one database", () => {
  it("a phone IDLE-ing on B hears what a phone on A does, within a second", async () => {
    const m = await seedMailbox(testContext());
    const acct = { address: m.address, password: m.password };
    const onA = await phone(a, acct);
    const onB = await phone(b, acct);
    await onB.mailboxOpen("INBOX");
    const heard: string[] = [];
    onB.on("exists", (d) => heard.push(`exists ${d.count}`));
    void onB.idle();
    const t = Date.now();
    await onA.append("INBOX", message({ subject: "through NOTIFY" }));
    await eventually(async () => heard.includes("exists 1"), 5000, "B's phone to hear EXISTS");
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it("after B's LISTEN connection drops, B's IDLE-ing phone still hears what happened in the gap", async () => {
    const m = await seedMailbox(testContext());
    const acct = { address: m.address, password: m.password };
    const onA = await phone(a, acct);
    const onB = await phone(b, acct);
    await onB.mailboxOpen("INBOX");
    const heard: string[] = [];
    onB.on("exists", (d) => heard.push(`exists ${d.count}`));
    void onB.idle();

    expect(await cutListenerOfB()).toBe(true);
    // In the gap (listeners reconnect after a second): nobody on B is listening for this.
    await onA.append("INBOX", message({ subject: "while B was deaf" }));
    await eventually(async () => heard.includes("exists 1"), 10_000, "B's phone to hear the missed EXISTS");
  });

  it("a device revoked while B's listener was down is cut off when it reconnects", async () => {
    const m = await seedMailbox(testContext());
    const onB = await phone(b, { address: m.address, password: m.password });
    await onB.mailboxOpen("INBOX");
    let closed = false;
    onB.on("close", () => {
      closed = true;
    });

    expect(await cutListenerOfB()).toBe(true);
    await revokeDevice(testContext(), { id: m.deviceId });
    await eventually(async () => closed, 10_000, "the revoked device's session on B to end");
  });
});
