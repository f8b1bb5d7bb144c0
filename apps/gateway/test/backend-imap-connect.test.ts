// The IMAP driver against a real Dovecot: logging in (implicit TLS, STARTTLS,
// cleartext; certificate checks; wrong password; nothing listening), what it
// reports the server can do, the folder list with special use, names mapped
// from servers with other delimiters and namespace prefixes, and folder
// operations checked by a second client.
import { StoreError } from "@postern/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dovecot } from "../../../test/helpers/dovecot.ts";
import { freePort } from "../../../test/helpers/ports.ts";
import { imapDriver } from "../src/backends/imap/index.ts";
import type { BackendSession } from "../src/backends/types.ts";
import { account, direct, startBackend, without } from "./backend-imap-fixture.ts";

const USERS = ["tls", "starttls", "plain", "wrong", "caps", "list", "ops"];
let dc: Dovecot;
let noCaps: Dovecot;
let marked: Dovecot;
let dotted: Dovecot;
let courier: Dovecot;
const open: BackendSession[] = [];

beforeAll(async () => {
  dc = await startBackend(USERS);
  noCaps = await startBackend(["poor"], { extraConfig: without("IDLE", "CONDSTORE", "QRESYNC", "MOVE", "UIDPLUS") });
  marked = await startBackend(["marked"], {
    extraConfig: 'namespace inbox {\n  mailbox "Outbox Copies" {\n    special_use = \\Sent\n  }\n}\n',
  });
  dotted = await startBackend(["dot"], { extraConfig: "namespace inbox {\n  separator = .\n}\n" });
  courier = await startBackend(["courier"], {
    extraConfig: "namespace inbox {\n  separator = .\n  prefix = INBOX.\n}\n",
  });
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await Promise.all([dc, noCaps, marked, dotted, courier].map((d) => d?.stop()));
});

async function connect(...args: Parameters<typeof account>): Promise<BackendSession> {
  const s = await imapDriver.connect(account(...args));
  open.push(s);
  return s;
}

async function failure(p: Promise<unknown>): Promise<StoreError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

describe("connect", () => {
  it("logs in over implicit TLS, verifying the server's certificate against the account's CA", async () => {
    const s = await connect(dc, "tls", { security: "tls", port: dc.imapsPort! });
    expect((await s.listFolders()).map((f) => f.name)).toContain("INBOX");
  });

  it("logs in with STARTTLS", async () => {
    const s = await connect(dc, "starttls", { security: "starttls" });
    expect((await s.listFolders()).map((f) => f.name)).toContain("INBOX");
  });

  it("logs in in the clear when the account says so", async () => {
    const s = await connect(dc, "plain", { security: "none", ca: undefined });
    expect((await s.listFolders()).map((f) => f.name)).toContain("INBOX");
  });

  it("refuses a certificate nobody vouches for, unless verification is turned off", async () => {
    const err = await failure(
      imapDriver.connect(account(dc, "tls", { security: "tls", port: dc.imapsPort!, ca: undefined })),
    );
    expect(err.code).toBe("unavailable");
    expect(err.detail).toMatch(/certificate/i);
    const s = await connect(dc, "tls", { security: "tls", port: dc.imapsPort!, ca: undefined, insecureTls: true });
    expect((await s.listFolders()).length).toBeGreaterThan(0);
  });

  it("says authFailed for a wrong password, with the server's words only in detail", async () => {
    const err = await failure(imapDriver.connect(account(dc, "wrong", { password: "not-it" })));
    expect(err.code).toBe("authFailed");
    expect(err.message).not.toMatch(/AUTHENTICATIONFAILED|not-it/);
    expect(err.detail).toMatch(/AUTHENTICATIONFAILED|Authentication failed/i);
    expect(err.detail).not.toContain("not-it");
  });

  it("says unavailable when nothing listens", async () => {
    const port = await freePort();
    const err = await failure(imapDriver.connect(account(dc, "wrong", { port })));
    expect(err.code).toBe("unavailable");
    expect(err.detail).toMatch(/ECONNREFUSED/);
  });

  it("reports what the server can do", async () => {
    const full = await connect(dc, "caps");
    expect(full.capabilities).toEqual({
      flags: true,
      folders: true,
      push: true,
      incremental: true,
      move: true,
      uidplus: true,
    });
    const poor = await connect(noCaps, "poor");
    expect(poor.capabilities).toEqual({
      flags: true,
      folders: true,
      push: false,
      incremental: false,
      move: false,
      uidplus: false,
    });
  });

  it("reconnects on the next call after the server dropped the connection", async () => {
    const s = await connect(dc, "caps");
    await s.listFolders();
    await dc.doveadm(["kick", "caps"]);
    // The call that finds the connection dead may fail; the one after it works again.
    await s.listFolders().catch((err: StoreError) => expect(err.code).toBe("unavailable"));
    expect((await s.listFolders()).map((f) => f.name)).toContain("INBOX");
  });
});

describe("listFolders", () => {
  it("lists folders with special use by common name, subscription and \\Noselect", async () => {
    const other = await direct(dc, "list");
    for (const path of [
      "Sent Items",
      "Drafts",
      "Deleted Messages",
      "Junk E-mail",
      "Archive",
      "Projects/2026",
      "Spam",
    ]) {
      await other.mailboxCreate(path);
    }
    // Creating Projects/2026 alone makes Projects a name in the hierarchy only: \Noselect.
    await other.mailboxUnsubscribe("Projects/2026");
    await other.logout();
    const s = await connect(dc, "list");
    const folders = await s.listFolders();
    const byName = new Map(folders.map((f) => [f.name, f]));
    expect(byName.get("INBOX")).toMatchObject({ ref: "INBOX", specialUse: null, subscribed: true, noSelect: false });
    expect(byName.get("Sent Items")?.specialUse).toBe("\\Sent");
    expect(byName.get("Drafts")?.specialUse).toBe("\\Drafts");
    expect(byName.get("Deleted Messages")?.specialUse).toBe("\\Trash");
    // "Junk E-mail" and "Spam" both read as junk: the earlier common name ("Junk", "Spam", "Junk E-mail") wins.
    expect(byName.get("Spam")?.specialUse).toBe("\\Junk");
    expect(byName.get("Junk E-mail")?.specialUse).toBeNull();
    expect(byName.get("Archive")?.specialUse).toBe("\\Archive");
    expect(byName.get("Projects/2026")).toMatchObject({ ref: "Projects/2026", specialUse: null, subscribed: false });
    expect(byName.get("Projects")).toMatchObject({ specialUse: null, noSelect: true });
  });

  it("takes special use from the server (SPECIAL-USE) over common names", async () => {
    const other = await direct(marked, "marked");
    await other.mailboxCreate("Outbox Copies");
    await other.mailboxCreate("Sent");
    await other.logout();
    const s = await connect(marked, "marked");
    const folders = await s.listFolders();
    expect(folders.find((f) => f.name === "Outbox Copies")?.specialUse).toBe("\\Sent");
    expect(folders.find((f) => f.name === "Sent")?.specialUse).toBeNull();
  });

  it('maps a "." delimiter to "/" and back', async () => {
    const other = await direct(dotted, "dot");
    await other.mailboxCreate("Work.Projects");
    await other.mailboxCreate("Trash");
    const s = await connect(dotted, "dot");
    const folders = await s.listFolders();
    expect(folders.map((f) => [f.name, f.ref])).toEqual(
      expect.arrayContaining([
        ["INBOX", "INBOX"],
        ["Work", "Work"],
        ["Work/Projects", "Work.Projects"],
      ]),
    );
    expect(folders.find((f) => f.name === "Trash")?.specialUse).toBe("\\Trash");
    expect(s.folderRefFor("Work/Projects")).toBe("Work.Projects");
    // A name the server has not listed yet is built with its delimiter.
    expect(s.folderRefFor("Work/Later/Deep")).toBe("Work.Later.Deep");
    await s.createFolder(s.folderRefFor("Clients/Acme"));
    expect((await other.list()).map((f) => f.path)).toContain("Clients.Acme");
    await other.logout();
  });

  it('hides a personal namespace prefix such as Courier\'s "INBOX."', async () => {
    const other = await direct(courier, "courier");
    await other.mailboxCreate("INBOX.Sent");
    await other.mailboxCreate("INBOX.Work.Projects");
    await other.logout();
    const s = await connect(courier, "courier");
    const folders = await s.listFolders();
    expect(folders.map((f) => [f.name, f.ref, f.specialUse])).toEqual(
      expect.arrayContaining([
        ["INBOX", "INBOX", null],
        ["Sent", "INBOX.Sent", "\\Sent"],
        ["Work/Projects", "INBOX.Work.Projects", null],
      ]),
    );
    expect(s.folderRefFor("Work/Projects")).toBe("INBOX.Work.Projects");
    expect(s.folderRefFor("Drafts")).toBe("INBOX.Drafts");
    expect(s.folderRefFor("INBOX")).toBe("INBOX");
  });
});

describe("folder operations", () => {
  it("creates, renames and deletes folders, as a second client sees", async () => {
    const s = await connect(dc, "ops");
    const other = await direct(dc, "ops");
    const paths = async () => (await other.list()).map((f) => f.path);

    await s.createFolder(s.folderRefFor("Clients/Acme"));
    expect(await paths()).toEqual(expect.arrayContaining(["Clients", "Clients/Acme"]));
    // Creating what exists is what was asked for.
    await s.createFolder("Clients/Acme");

    await s.renameFolder("Clients/Acme", "Clients/Acme Corp");
    expect(await paths()).toContain("Clients/Acme Corp");
    expect(await paths()).not.toContain("Clients/Acme");
    expect((await failure(s.renameFolder("Clients/Nobody", "Clients/Somebody"))).code).toBe("nonexistent");
    await s.createFolder("Other");
    expect((await failure(s.renameFolder("Other", "Clients/Acme Corp"))).code).toBe("alreadyExists");

    await s.deleteFolder("Clients/Acme Corp");
    expect(await paths()).not.toContain("Clients/Acme Corp");
    expect((await failure(s.deleteFolder("Clients/Acme Corp"))).code).toBe("nonexistent");
    await other.logout();
  });

  it("refuses to work after close()", async () => {
    const s = await imapDriver.connect(account(dc, "ops"));
    await s.close();
    expect((await failure(s.listFolders())).code).toBe("unavailable");
  });
});
