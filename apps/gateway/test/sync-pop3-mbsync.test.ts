// isync's mbsync (a client nobody here wrote) as the phone of a mailbox whose
// mail comes from a POP3 maildrop at a real Dovecot: the maildrop comes down
// into a local Maildir with Postern's own folders, and flags, filing and
// deleting made on the device go up through the gateway. Python's poplib
// checks what the POP3 server really holds after each step.
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pop3BackedMailbox, pop3Ids, synced } from "../../../test/helpers/backend.ts";
import { testPrisma } from "../../../test/helpers/db.ts";
import { type Dovecot, startDovecot } from "../../../test/helpers/dovecot.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { message } from "../../../test/helpers/imap.ts";
import {
  gatewaySide,
  maildirFile,
  maildirFiles,
  maildirSide,
  mbsync,
  rcFile,
  type Snapshot,
  STANDARD,
  setLocalFlags,
} from "../../../test/helpers/mbsync.ts";
import { eventually } from "../../../test/helpers/ports.ts";
import { POP3_DELETE_GRACE_MS } from "../src/sync/ops.ts";

const USERS = [{ user: "popm1", password: "popm1-pass" }];
let dovecot: Dovecot;
let gw: Awaited<ReturnType<typeof startTestGateway>>;
let tmp: string;

beforeAll(async () => {
  [dovecot, gw, tmp] = await Promise.all([
    startDovecot({ users: USERS, imap: false }),
    startTestGateway({ POSTERN_SYNC: "true" }),
    mkdtemp(path.join(os.tmpdir(), "postern-pop3-mbsync-")),
  ]);
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await dovecot?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/**
 * Wait until every change the phone made has been applied at the POP3
 * server (no operation left, pending or failed) and the sync engine has
 * finished a whole pass that started after that.
 */
async function settled(mailboxId: string): Promise<void> {
  await eventually(
    async () => (await testPrisma().pendingOp.count({ where: { mailboxId } })) === 0,
    30_000,
    "the mailbox's operations to be applied",
  );
  await synced(mailboxId, 10_000, Date.now());
  await synced(mailboxId, 10_000, Date.now());
}

describe("mbsync as the phone of a POP3 mailbox", () => {
  it("downloads the maildrop and Postern's folders; local flags and filing stay at Postern with the server copy kept; a local delete becomes DELE; then nothing to do", async () => {
    const [user] = USERS;
    const M1 = "<m1@popm1>";
    const M2 = "<m2@popm1>";
    await dovecot.deliver(user.user, message({ subject: "Invoice", messageId: M1 }));
    await dovecot.deliver(user.user, message({ subject: "Receipt", messageId: M2 }));
    const mb = await pop3BackedMailbox(dovecot, user);
    await synced(mb.mailboxId);
    const acct = { address: mb.address, password: mb.password };
    const root = path.join(tmp, "maildir");
    await mkdir(root);
    const rc = path.join(tmp, "mbsync.rc");
    await writeFile(rc, rcFile(gw, acct, root));

    // First run: both messages come down into INBOX, and Postern's standard
    // folders (a POP3 maildrop has none) are made locally.
    const first = await mbsync(rc);
    expect(first.stats, first.output).toEqual({ far: [0, 0, 0], near: [2, 0, 0] });
    let expected: Snapshot = { ...STANDARD, INBOX: { [M1]: "", [M2]: "" } };
    expect(await maildirSide(root)).toEqual(expected);
    expect(await gatewaySide(gw, acct)).toEqual(expected);
    expect(await pop3Ids(dovecot, user)).toEqual([M1, M2]);
    // Right after, a run has nothing to do.
    const filesAfterFirst = await maildirFiles(root);
    const again = await mbsync(rc);
    expect(again.stats, again.output).toEqual({ far: [0, 0, 0], near: [0, 0, 0] });
    expect(await maildirFiles(root)).toEqual(filesAfterFirst);

    // On the device: m1 read and flagged; m2 filed into a new folder
    // "Receipts" by moving its file (without mbsync's ",U=" INBOX UID, which
    // means nothing in another folder). mbsync creates Receipts at the
    // gateway, uploads m2 there, and deletes and expunges it from INBOX.
    await setLocalFlags(root, M1, "FS");
    const m2 = await maildirFile(root, M2);
    for (const d of ["cur", "new", "tmp"]) await mkdir(path.join(root, "Receipts", d), { recursive: true });
    await rename(
      m2,
      path.join(root, "Receipts", path.basename(path.dirname(m2)), path.basename(m2).replace(/,U=\d+/, "")),
    );
    const filing = await mbsync(rc);
    // Far: m2 appended to Receipts; m1's flags and m2's \Deleted stored in INBOX.
    expect(filing.stats, filing.output).toEqual({ far: [1, 2, 0], near: [0, 0, 0] });
    expected = { ...expected, INBOX: { [M1]: "FS" }, Receipts: { [M2]: "" } };
    expect(await maildirSide(root)).toEqual(expected);
    await settled(mb.mailboxId);
    // Through the gateway (polls of the maildrop since included): m1 \Seen
    // \Flagged in INBOX, m2 in Receipts and not in INBOX.
    expect(await gatewaySide(gw, acct)).toEqual(expected);
    // Leave-on-server (the default): filing keeps the server copy, and flags
    // are Postern's own, so the POP3 server still holds both.
    expect(await pop3Ids(dovecot, user)).toEqual([M1, M2]);

    // On the device: m1 deleted (marked T; with Expunge Both mbsync stores
    // \Deleted at the gateway and expunges both sides). At the POP3 server
    // that is DELE, committed by QUIT.
    await setLocalFlags(root, M1, "FST");
    const deleting = await mbsync(rc);
    expect(deleting.stats, deleting.output).toEqual({ far: [0, 1, 0], near: [0, 0, 0] });
    expected = { ...expected, INBOX: {} };
    expect(await maildirSide(root)).toEqual(expected);
    await eventually(
      async () => (await pop3Ids(dovecot, user)).join() === M2,
      // The delete is held for the grace period (so an upload can take it back), then a POP3 session commits it.
      POP3_DELETE_GRACE_MS + 15_000,
      "m1 deleted at the POP3 server, m2 kept",
    );
    await settled(mb.mailboxId);
    expect(await gatewaySide(gw, acct)).toEqual(expected);

    // Once the gateway has settled, a run has nothing to do and does nothing.
    const filesBefore = await maildirFiles(root);
    const last = await mbsync(rc);
    expect(last.stats, last.output).toEqual({ far: [0, 0, 0], near: [0, 0, 0] });
    expect(await maildirFiles(root)).toEqual(filesBefore);
    expect(await maildirSide(root)).toEqual(expected);
    expect(await gatewaySide(gw, acct)).toEqual(expected);
    expect(await pop3Ids(dovecot, user)).toEqual([M2]);
  }, 120_000);
});
