// The IMAP driver's pure parts, offline: folder names both ways (Gmail's
// "[Gmail]/…", XLIST's flags, name collisions), error mapping, refs.
import type { ListResponse } from "imapflow";
import { describe, expect, it } from "vitest";
import { toStoreError } from "../src/backends/imap/errors.ts";
import { FolderNames } from "../src/backends/imap/folders.ts";
import { parseRef, uidSet, uidsOf } from "../src/backends/imap/refs.ts";

function entry(
  path: string,
  flags: string[] = [],
  opts: { delimiter?: string; subscribed?: boolean } = {},
): ListResponse {
  const delimiter = opts.delimiter ?? "/";
  const parts = path.split(delimiter);
  return {
    path,
    pathAsListed: path,
    name: parts[parts.length - 1],
    delimiter,
    parent: parts.slice(0, -1),
    parentPath: parts.slice(0, -1).join(delimiter),
    flags: new Set(flags),
    listed: true,
    subscribed: opts.subscribed ?? true,
  };
}

describe("folder names", () => {
  it("keeps Gmail's names, takes its special use, and marks [Gmail] \\Noselect", () => {
    const names = new FolderNames({ prefix: "", delimiter: "/" });
    const folders = names.fromList([
      entry("INBOX", ["\\HasNoChildren"]),
      entry("[Gmail]", ["\\Noselect", "\\HasChildren"]),
      entry("[Gmail]/Sent Mail", ["\\Sent"]),
      entry("[Gmail]/All Mail", ["\\All"]),
      entry("[Gmail]/Spam", ["\\Junk"]),
      entry("[Gmail]/Bin", ["\\Trash"]),
      // A user folder with a common name does not take a role the server gave elsewhere.
      entry("Trash", []),
    ]);
    expect(folders.map((f) => [f.name, f.specialUse, f.noSelect])).toEqual([
      ["INBOX", null, false],
      ["Trash", null, false],
      ["[Gmail]", null, true],
      ["[Gmail]/All Mail", "\\All", false],
      ["[Gmail]/Bin", "\\Trash", false],
      ["[Gmail]/Sent Mail", "\\Sent", false],
      ["[Gmail]/Spam", "\\Junk", false],
    ]);
    expect(names.refFor("[Gmail]/Sent Mail")).toBe("[Gmail]/Sent Mail");
  });

  it("reads XLIST's older flags (\\AllMail, \\Spam, \\Starred)", () => {
    const folders = new FolderNames(undefined).fromList([
      entry("INBOX"),
      entry("All", ["\\AllMail"]),
      entry("Bulk", ["\\Spam"]),
      entry("Starred", ["\\Starred"]),
    ]);
    expect(folders.map((f) => [f.name, f.specialUse])).toEqual([
      ["All", "\\All"],
      ["Bulk", "\\Junk"],
      ["INBOX", null],
      ["Starred", "\\Flagged"],
    ]);
  });

  it("finds roles by common name at the top level before INBOX's children, and keeps \\NonExistent out", () => {
    const folders = new FolderNames(undefined).fromList([
      entry("INBOX"),
      entry("INBOX/Sent"),
      entry("Sent Messages"),
      entry("inbox/Drafts"),
      entry("Gone", ["\\NonExistent", "\\Noselect"]),
      entry("Projects/Archive"),
    ]);
    expect(folders.map((f) => [f.name, f.specialUse])).toEqual([
      ["INBOX", null],
      ["INBOX/Drafts", "\\Drafts"],
      ["INBOX/Sent", null],
      ["Projects/Archive", null],
      ["Sent Messages", "\\Sent"],
    ]);
  });

  it("builds refs for names the server has not listed, with its delimiter and prefix", () => {
    const names = new FolderNames({ prefix: "INBOX.", delimiter: "." });
    expect(names.refFor("INBOX")).toBe("INBOX");
    expect(names.refFor("inbox")).toBe("INBOX");
    expect(names.refFor("A/B")).toBe("INBOX.A.B");
    expect(names.nameOf("INBOX.A.B", ".")).toBe("A/B");
    expect(new FolderNames({ prefix: "", delimiter: null }).refFor("Flat")).toBe("Flat");
  });

  it("shows one of two backend paths that read the same to a phone", () => {
    const names = new FolderNames({ prefix: "", delimiter: "." });
    const folders = names.fromList([
      entry("a.b", [], { delimiter: "." }),
      entry("a/b", [], { delimiter: "." }),
      entry("INBOX", [], { delimiter: "." }),
    ]);
    expect(folders.map((f) => [f.name, f.ref])).toEqual([
      ["INBOX", "INBOX"],
      ["a/b", "a.b"],
    ]);
    expect(names.refFor("a/b")).toBe("a.b");
  });
});

describe("error mapping", () => {
  const err = (props: Record<string, unknown>, message = "failed") => Object.assign(new Error(message), props);

  it("maps imapflow's failures to the store's codes, with the backend's words only in detail", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ authenticationFailed: true, response: "NO [AUTHENTICATIONFAILED] nope" }, "authFailed"],
      [{ code: "ETHROTTLE", responseStatus: "BAD" }, "unavailable"],
      [{ mailboxMissing: true, responseStatus: "NO" }, "nonexistent"],
      [{ responseStatus: "NO", serverResponseCode: "TRYCREATE" }, "nonexistent"],
      [{ responseStatus: "NO", serverResponseCode: "ALREADYEXISTS" }, "alreadyExists"],
      [{ responseStatus: "NO", serverResponseCode: "OVERQUOTA" }, "overQuota"],
      [{ responseStatus: "NO", serverResponseCode: "INUSE" }, "inUse"],
      [{ serverResponseCode: "APPENDLIMIT" }, "tooBig"],
      [{ responseStatus: "NO", response: "NO Mailbox is locked" }, "notPossible"],
      [{ responseStatus: "BAD" }, "notPossible"],
      [{ tlsFailed: true }, "notPossible"],
      [{ code: "ECONNREFUSED" }, "unavailable"],
      [{ code: "GREETING_TIMEOUT" }, "unavailable"],
      [{ code: "NoConnection" }, "unavailable"],
      [{ code: "DEPTH_ZERO_SELF_SIGNED_CERT" }, "unavailable"],
    ];
    for (const [props, code] of cases) {
      const mapped = toStoreError(err(props, props.tlsFailed ? "Server does not support STARTTLS" : "failed"), "ctx");
      expect([props, mapped.code]).toEqual([props, code]);
      expect(mapped.detail).toMatch(/^ctx/);
    }
    const auth = toStoreError(err({ authenticationFailed: true, response: "NO [AUTHENTICATIONFAILED] nope" }));
    expect(auth.message).not.toContain("nope");
    expect(auth.detail).toContain("nope");
  });
});

describe("refs", () => {
  it("parses only <uidvalidity>:<uid>, and keeps the refs of one UIDVALIDITY", () => {
    expect(parseRef("17:42")).toEqual({ uidValidity: 17, uid: 42 });
    for (const bad of ["17:0", "17", ":4", "a:1", "1:2:3", "17:99999999999"]) expect(parseRef(bad)).toBeNull();
    expect(uidsOf(["5:9", "5:3", "6:4", "5:3", "junk", "5:4"], 5)).toEqual([3, 4, 9]);
    expect(uidSet([1, 2, 3, 7, 9, 10])).toBe("1:3,7,9:10");
  });
});
