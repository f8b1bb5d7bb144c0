// A device's recent commands, for the admin asking "why isn't this phone
// syncing": what its IMAP sessions did (folder, result, reply code) and what
// its SMTP submissions got, newest first, at most LAST_COMMANDS — written by
// the gateway to the device row the portal's timeline and the CLI read.
// Never a password.
import { deviceTimeline } from "@postern/db/provisioning";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow, message } from "../../../test/helpers/imap.ts";
import { eventually } from "../../../test/helpers/ports.ts";
import { type CommandEntry, LAST_COMMANDS } from "../src/auth/activity.ts";
import type { Gateway } from "../src/gateway.ts";
import { hostedSender, mail, phone, type Sender } from "./smtp-fixture.ts";

let gw: Gateway;
const senders: Sender[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
  await testPrisma().outboundMessage.deleteMany({ where: { mailboxId: { in: senders.map((s) => s.mailboxId) } } });
});

async function commandsOf(deviceId: string, atLeast: number): Promise<CommandEntry[]> {
  const found = await eventually(
    async () => {
      const d = await testPrisma().device.findUniqueOrThrow({ where: { id: deviceId } });
      const list = d.lastCommands as unknown as CommandEntry[];
      return list.length >= atLeast ? list : null;
    },
    15_000,
    `${atLeast} commands recorded for the device`,
  );
  return found as CommandEntry[];
}

describe("a device's recent commands", () => {
  it("records IMAP commands with folder and reply code, and SMTP submissions accepted and refused, newest first", async () => {
    const alice = await hostedSender();
    senders.push(alice);
    const c = await imapflow(gw, { address: alice.address, password: alice.password });
    await c.append("INBOX", message({ subject: "hello" }));
    await c.mailboxOpen("INBOX");
    await c.messageFlagsAdd("1:*", ["\\Seen"]);
    await expect(c.mailboxOpen("No such folder")).rejects.toThrow();
    await c.logout();

    const sent = await phone({
      port: gw.ports.smtps,
      mode: "tls",
      ca: gw.tls.cert,
      steps: [
        ["ehlo"],
        ["login", alice.address, alice.password],
        [
          "sendmail",
          alice.address,
          ["bob@elsewhere.example"],
          mail({ from: alice.address, to: "bob@elsewhere.example", subject: "report" }),
        ],
        ["mail", "mallory@elsewhere.example"],
      ],
    });
    expect(sent.slice(2).map((r) => r[0])).toEqual([250, 553]);

    const list = await commandsOf(alice.deviceId, 7);
    const brief = list.map((e) => `${e.proto} ${e.command} ${e.status}${e.code ? ` [${e.code}]` : ""}`);
    // Newest first: the refused MAIL, the accepted DATA, then the IMAP session backwards.
    expect(brief.slice(0, 2)).toEqual(["smtp MAIL 553", "smtp DATA 250"]);
    expect(list[0].text).toMatch(/5\.7\.1/);
    const imap = list.filter((e) => e.proto === "imap");
    const select = imap.find((e) => e.command === "SELECT" && e.status === "OK");
    expect(select?.folder).toBe("INBOX");
    const missing = imap.find((e) => e.command === "SELECT" && e.status === "NO");
    expect(missing).toMatchObject({ code: "NONEXISTENT" });
    expect(missing?.text).toBeTruthy();
    expect(imap.some((e) => e.command === "STORE" && e.status === "OK" && e.folder === "INBOX")).toBe(true);
    expect(imap.some((e) => e.command === "APPEND" && e.status === "OK")).toBe(true);
    // imapflow logs in with AUTHENTICATE PLAIN.
    expect(imap[imap.length - 1]).toMatchObject({ command: "AUTHENTICATE", status: "OK" });
    for (const e of list) {
      expect(Date.parse(e.at)).toBeGreaterThan(Date.now() - 60_000);
      if (e.proto === "imap") expect(typeof e.ms).toBe("number");
    }
    // Times descend.
    const times = list.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // No password in what is kept.
    expect(JSON.stringify(list)).not.toContain(alice.password);

    // The portal's timeline (and `postern audit list --device`) read them with the device.
    const { lastCommands } = await deviceTimeline(testContext(), {
      tenantId: (await testPrisma().device.findUniqueOrThrow({ where: { id: alice.deviceId } })).tenantId,
      id: alice.deviceId,
    });
    expect(lastCommands[0]).toMatchObject({ command: "MAIL", status: "553" });
  });

  it(`keeps the newest ${LAST_COMMANDS}, across sessions`, async () => {
    const bob = await hostedSender();
    senders.push(bob);
    const first = await imapflow(gw, { address: bob.address, password: bob.password });
    for (let i = 0; i < 5; i++) await first.noop();
    await first.logout();
    await commandsOf(bob.deviceId, 6);
    const second = await imapflow(gw, { address: bob.address, password: bob.password });
    await second.mailboxOpen("INBOX");
    for (let i = 0; i < LAST_COMMANDS; i++) await second.status("Sent", { messages: true });
    await second.logout();
    const list = (await eventually(
      async () => {
        const l = await commandsOf(bob.deviceId, LAST_COMMANDS);
        return l[0].command === "LOGOUT" ? l : null;
      },
      15_000,
      "the second session's commands",
    )) as CommandEntry[];
    expect(list).toHaveLength(LAST_COMMANDS);
    // The newest: LOGOUT, then the STATUS commands; the first session's are gone.
    expect(list[0].command).toBe("LOGOUT");
    expect(list.slice(1).every((e) => e.command === "STATUS")).toBe(true);
  });
});
