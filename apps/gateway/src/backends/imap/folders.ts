// Folder names both ways: the backend's paths (its own delimiter, its
// personal namespace prefix such as Courier's "INBOX.") and the names phones
// see ("/"-delimited, no prefix, INBOX canonical). Special use comes from the
// server (SPECIAL-USE, RFC 6154, or Gmail's XLIST) and, for a role no folder
// claims that way, from the folder's common name.
import type { ListResponse } from "imapflow";
import type { RemoteFolder } from "../types.ts";

/** RFC 6154 roles, and XLIST's older spellings of them. */
const SPECIAL_USE_FLAGS = new Map<string, string>([
  ["\\all", "\\All"],
  ["\\archive", "\\Archive"],
  ["\\drafts", "\\Drafts"],
  ["\\flagged", "\\Flagged"],
  ["\\junk", "\\Junk"],
  ["\\sent", "\\Sent"],
  ["\\trash", "\\Trash"],
  ["\\allmail", "\\All"],
  ["\\spam", "\\Junk"],
  ["\\starred", "\\Flagged"],
]);

/** Common names of the roles, for servers that mark none (first listed wins when several exist). */
const ROLE_NAMES: Array<[role: string, names: string[]]> = [
  ["\\Sent", ["sent", "sent items", "sent messages"]],
  ["\\Drafts", ["drafts"]],
  ["\\Trash", ["trash", "deleted items", "deleted messages"]],
  ["\\Junk", ["junk", "spam", "junk e-mail"]],
  ["\\Archive", ["archive", "archives"]],
];

interface Namespace {
  prefix: string;
  delimiter: string | null;
}

export class FolderNames {
  private ns: Namespace;
  /** Phone-side name → the backend's path, as learnt at the last LIST. */
  private refs = new Map<string, string>();

  constructor(ns: { prefix?: string; delimiter?: string | null } | undefined) {
    this.ns = { prefix: ns?.prefix ?? "", delimiter: ns?.delimiter ?? null };
  }

  /** The phone-side name of a backend path. */
  nameOf(path: string, delimiter: string | null): string {
    if (path.toUpperCase() === "INBOX") return "INBOX";
    let rest = path;
    const { prefix } = this.ns;
    if (prefix && rest.startsWith(prefix) && rest.length > prefix.length) rest = rest.slice(prefix.length);
    const segments = delimiter ? rest.split(delimiter) : [rest];
    if (segments[0].toUpperCase() === "INBOX") segments[0] = "INBOX";
    return segments.join("/");
  }

  /** The backend path of a phone-side name: the one LIST reported, else built with the server's delimiter and prefix. */
  refFor(name: string): string {
    const known = this.refs.get(name);
    if (known !== undefined) return known;
    const segments = name.split("/");
    if (segments[0].toUpperCase() === "INBOX") segments[0] = "INBOX";
    if (segments.length === 1 && segments[0] === "INBOX") return "INBOX";
    const delimiter = this.ns.delimiter ?? "/";
    const path = segments.join(delimiter);
    // As imapflow normalises paths: the prefix is added unless the path already has it.
    const { prefix } = this.ns;
    return prefix && !path.startsWith(prefix) ? prefix + path : path;
  }

  /** LIST results → RemoteFolders, learning names and the delimiter on the way. */
  fromList(entries: ListResponse[]): RemoteFolder[] {
    const folders: RemoteFolder[] = [];
    const refs = new Map<string, string>();
    for (const entry of entries) {
      const flags = new Set([...entry.flags].map((f) => f.toLowerCase()));
      // RFC 5258 §3: a \NonExistent entry is a subscription to a folder that is gone.
      if (flags.has("\\nonexistent")) continue;
      const delimiter = entry.delimiter || null;
      // NAMESPACE (at login) is authoritative; LIST fills in for a server without it.
      if (delimiter && this.ns.delimiter === null) this.ns.delimiter = delimiter;
      const name = this.nameOf(entry.path, delimiter);
      // Two backend paths that read the same to a phone ("a/b" as one name on a "." server,
      // and "a.b"): the first keeps the name, the other is not shown.
      if (refs.has(name)) continue;
      refs.set(name, entry.path);
      let specialUse: string | null = null;
      for (const f of flags) specialUse ??= SPECIAL_USE_FLAGS.get(f) ?? null;
      folders.push({
        ref: entry.path,
        name,
        specialUse: name === "INBOX" ? null : specialUse,
        subscribed: Boolean(entry.subscribed) || name === "INBOX",
        noSelect: flags.has("\\noselect"),
      });
    }
    this.refs = refs;
    assignRolesByName(folders);
    return folders.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** For each role no folder holds from the server, the first folder with a common name of it: top level before INBOX's children. */
function assignRolesByName(folders: RemoteFolder[]): void {
  const taken = new Set(folders.map((f) => f.specialUse).filter(Boolean));
  for (const [role, names] of ROLE_NAMES) {
    if (taken.has(role)) continue;
    const rank = (f: RemoteFolder): number => {
      if (f.specialUse || f.noSelect) return -1;
      const lower = f.name.toLowerCase();
      const top = names.indexOf(lower);
      if (top >= 0) return top;
      const underInbox = lower.startsWith("inbox/") ? names.indexOf(lower.slice(6)) : -1;
      return underInbox >= 0 ? names.length + underInbox : -1;
    };
    let best: RemoteFolder | null = null;
    let bestRank = Number.POSITIVE_INFINITY;
    for (const f of folders) {
      const r = rank(f);
      if (r >= 0 && r < bestRank) {
        best = f;
        bestRank = r;
      }
    }
    if (best) best.specialUse = role;
  }
}
