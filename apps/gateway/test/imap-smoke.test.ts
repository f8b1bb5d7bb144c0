import { seedMailbox } from "@postern/db/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow, message } from "../../../test/helpers/imap.ts";

let gw: Awaited<ReturnType<typeof startTestGateway>>;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw?.close());

describe("smoke", () => {
  it("logs in, lists, appends, fetches", async () => {
    const m = await seedMailbox(testContext());
    const c = await imapflow(gw, { address: m.address, password: m.password });
    const list = await c.list();
    expect(list.map((f) => f.path).sort()).toEqual(["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]);
    const r = await c.append("INBOX", message({ subject: "First" }), ["\\Seen"]);
    expect(r).toMatchObject({ uid: 1 });
    const lock = await c.getMailboxLock("INBOX");
    try {
      const msgs = [];
      for await (const msg of c.fetch("1:*", {
        uid: true,
        flags: true,
        envelope: true,
        bodyStructure: true,
        source: true,
      }))
        msgs.push(msg);
      expect(msgs).toHaveLength(1);
      expect(msgs[0].envelope?.subject).toBe("First");
      expect([...(msgs[0].flags ?? [])]).toContain("\\Seen");
      expect(msgs[0].source?.toString()).toContain("see you soon");
    } finally {
      lock.release();
    }
    await c.logout();
  });
});
