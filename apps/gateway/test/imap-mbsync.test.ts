// isync's mbsync (a client nobody here wrote) keeps a local Maildir and a
// Postern mailbox in two-way sync: folders, messages and flags both ways,
// deletions both ways, and a sync with nothing to do changes nothing.
import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { seedMailbox } from "@postern/db/seed";
import type { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { type Account, imapflow, message } from "../../../test/helpers/imap.ts";
import {
  gatewaySide,
  maildirFile,
  maildirFiles,
  maildirSide,
  mbsync,
  putLocal,
  rcFile,
  type Snapshot,
  STANDARD,
} from "../../../test/helpers/mbsync.ts";

let gw: Awaited<ReturnType<typeof startTestGateway>>;
let tmp: string;
beforeAll(async () => {
  gw = await startTestGateway();
  tmp = await mkdtemp(path.join(os.tmpdir(), "postern-mbsync-"));
});
afterAll(async () => {
  await gw?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// --- the Postern side, seen through imapflow ---

async function withClient<T>(acct: Account, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = await imapflow(gw, acct, { secure: true });
  try {
    return await fn(c);
  } finally {
    await c.logout();
  }
}

async function posternStatus(acct: Account) {
  return withClient(acct, async (c) => {
    const out: Record<string, unknown> = {};
    for (const box of await c.list())
      out[box.path] = await c.status(box.path, { messages: true, uidNext: true, unseen: true, highestModseq: true });
    return out;
  });
}

/** Change flags on Postern: +/- system flags by Message-ID, or delete and expunge. */
async function posternChange(
  acct: Account,
  folder: string,
  id: string,
  change: { add?: string[]; remove?: string[]; expunge?: boolean },
) {
  await withClient(acct, async (c) => {
    const lock = await c.getMailboxLock(folder);
    try {
      const uids = await c.search({ header: { "message-id": id } }, { uid: true });
      expect(uids, `${id} in ${folder}`).toHaveLength(1);
      const uid = String((uids as number[])[0]);
      if (change.add) await c.messageFlagsAdd(uid, change.add, { uid: true });
      if (change.remove) await c.messageFlagsRemove(uid, change.remove, { uid: true });
      if (change.expunge) await c.messageDelete(uid, { uid: true });
    } finally {
      lock.release();
    }
  });
}

describe("mbsync two-way sync with a local Maildir", () => {
  it("syncs folders, messages and flags both ways, converges after changes, and then is a no-op", async () => {
    const acct = await seedMailbox(testContext());
    const root = path.join(tmp, acct.mailboxId);
    await mkdir(root);
    const rc = path.join(tmp, `${acct.mailboxId}.rc`);
    await writeFile(rc, rcFile(gw, acct, root));

    // The phone's mailbox on Postern: a folder tree and messages with flags.
    await withClient(acct, async (c) => {
      await c.mailboxCreate("Projects");
      await c.mailboxCreate("Projects/2026");
      const put = (folder: string, id: string, flags: string[]) =>
        c.append(folder, message({ subject: `remote ${id}`, messageId: `<${id}@postern.test>` }), flags);
      await put("INBOX", "m1", ["\\Seen"]);
      await put("INBOX", "m2", ["\\Flagged"]);
      await put("INBOX", "m3", ["\\Answered", "\\Seen"]);
      await put("INBOX", "m4", []);
      await put("Projects", "p1", ["\\Seen"]);
      await put("Projects/2026", "q1", ["\\Flagged", "\\Seen"]);
      await put("Sent", "s1", ["\\Seen"]);
    });
    // The local Maildir: a folder Postern does not have, and one in INBOX.
    const local = (id: string) => message({ subject: `local ${id}`, messageId: `<${id}@local.test>` });
    await putLocal(root, "Local", local("l1"), "FS");
    await putLocal(root, "Local", local("l2"));
    await putLocal(root, "INBOX", local("i1"), "RS");

    // First sync: everything meets.
    const first = await mbsync(rc);
    expect(first.stats, first.output).toEqual({ far: [3, 0, 0], near: [7, 0, 0] });
    let expected: Snapshot = {
      ...STANDARD,
      INBOX: {
        "<m1@postern.test>": "S",
        "<m2@postern.test>": "F",
        "<m3@postern.test>": "RS",
        "<m4@postern.test>": "",
        "<i1@local.test>": "RS",
      },
      Projects: { "<p1@postern.test>": "S" },
      "Projects/2026": { "<q1@postern.test>": "FS" },
      Sent: { "<s1@postern.test>": "S" },
      Local: { "<l1@local.test>": "FS", "<l2@local.test>": "" },
    };
    expect(await gatewaySide(gw, acct)).toEqual(expected);
    expect(await maildirSide(root)).toEqual(expected);

    // Changes on both sides: the phone reads m2 and deletes m4; Postern
    // answers m1, unflags l1 and deletes p1.
    const m2 = await maildirFile(root, "<m2@postern.test>");
    await rename(m2, m2.replace(/:2,[A-Za-z]*$/, ":2,FS"));
    await unlink(await maildirFile(root, "<m4@postern.test>"));
    await posternChange(acct, "INBOX", "<m1@postern.test>", { add: ["\\Answered"] });
    await posternChange(acct, "Local", "<l1@local.test>", { remove: ["\\Flagged"] });
    await posternChange(acct, "Projects", "<p1@postern.test>", { expunge: true });

    const second = await mbsync(rc);
    // Far: m2 read, m4 deleted. Near: m1 answered, l1 unflagged, p1 deleted.
    expect(second.stats, second.output).toEqual({ far: [0, 2, 0], near: [0, 3, 0] });
    expected = {
      ...expected,
      INBOX: {
        "<m1@postern.test>": "RS",
        "<m2@postern.test>": "FS",
        "<m3@postern.test>": "RS",
        "<i1@local.test>": "RS",
      },
      Projects: {},
      Local: { "<l1@local.test>": "S", "<l2@local.test>": "" },
    };
    expect(await maildirSide(root)).toEqual(expected);
    expect(await gatewaySide(gw, acct)).toEqual(expected);

    // A sync right after has nothing to do, and does nothing.
    const statusBefore = await posternStatus(acct);
    expect(statusBefore.INBOX).toMatchObject({ messages: 4, highestModseq: expect.anything() });
    const filesBefore = await maildirFiles(root);
    const third = await mbsync(rc);
    expect(third.stats, third.output).toEqual({ far: [0, 0, 0], near: [0, 0, 0] });
    expect(await maildirFiles(root)).toEqual(filesBefore);
    expect(await posternStatus(acct)).toEqual(statusBefore);
    expect(await gatewaySide(gw, acct)).toEqual(expected);
  }, 120_000);
});
