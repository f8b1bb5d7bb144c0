// One mailbox at a POP3 backend. A maildrop allows one session at a time
// and shows new mail only at login (RFC 1939 §4), so no connection is kept
// between calls: each call logs in, does its work and QUITs, one call at a
// time per maildrop (lock.ts). There is one folder, INBOX; no flags, no
// folders, no push — those calls say `notPossible`, and the engine, which
// reads `capabilities`, does not make them.
import type {
  BackendAccount,
  BackendCapabilities,
  BackendSession,
  FolderCursor,
  FolderSync,
  RemoteFolder,
  SyncFolderOptions,
} from "../types.ts";
import { Pop3Client, type Pop3Options } from "./client.ts";
import { storeError } from "./errors.ts";
import { maildropKey, withMaildrop } from "./lock.ts";
import { byUid, type SkipLog, syncMaildrop } from "./sync.ts";

export const POP3_CAPABILITIES: BackendCapabilities = Object.freeze({
  flags: false,
  folders: false,
  push: false,
  incremental: false,
  move: false,
  uidplus: false,
});

const INBOX: RemoteFolder = { ref: "INBOX", name: "INBOX", specialUse: null, subscribed: true, noSelect: false };

export function clientOptions(account: BackendAccount): Pop3Options {
  return {
    host: account.host,
    port: account.port,
    security: account.security,
    login: account.login,
    password: account.password,
    ca: account.ca,
    insecureTls: account.insecureTls,
  };
}

function isInbox(ref: string): boolean {
  return ref.toUpperCase() === "INBOX";
}

export class Pop3Session implements BackendSession {
  readonly capabilities = POP3_CAPABILITIES;
  private readonly options: Pop3Options;
  private readonly key: string;
  private loginDelay: number | null = null;

  constructor(
    private readonly account: BackendAccount,
    private readonly log: SkipLog,
  ) {
    this.options = clientOptions(account);
    this.key = maildropKey(account);
  }

  /**
   * Log in, run `fn`, and end the session. `commit`: QUIT must succeed (the
   * deletions happen there) or the call fails `unavailable`; otherwise QUIT
   * is a courtesy. On any failure the connection is dropped without QUIT,
   * so nothing marked deleted is deleted.
   */
  private run<T>(fn: (c: Pop3Client) => Promise<T>, opts: { commit?: boolean } = {}): Promise<T> {
    return withMaildrop(this.key, async () => {
      const client = await Pop3Client.open(this.options);
      this.loginDelay = client.capabilities.loginDelaySeconds;
      let result: T;
      try {
        result = await fn(client);
      } catch (err) {
        client.close();
        throw err;
      }
      if (opts.commit) await client.quit();
      else await client.quitQuietly();
      return result;
    });
  }

  /**
   * The least time between logins the server asks for (RFC 2449 §6.5
   * LOGIN-DELAY), as of the last login; null when it said none. Every call
   * is a login, so a poller should not call more often than this: the
   * server would answer [LOGIN-DELAY], which is `unavailable`.
   */
  get loginDelaySeconds(): number | null {
    return this.loginDelay;
  }

  /** Log in and out: proves the address, the TLS setup and the credentials. */
  probe(): Promise<void> {
    return this.run(async () => {});
  }

  async listFolders(): Promise<RemoteFolder[]> {
    return [{ ...INBOX }];
  }

  folderRefFor(name: string): string {
    return name;
  }

  syncFolder(folderRef: string, _cursor: FolderCursor | null, opts: SyncFolderOptions = {}): Promise<FolderSync> {
    if (!isInbox(folderRef)) return Promise.reject(storeError("nonexistent", `POP3 has no folder ${folderRef}`));
    return this.run((c) => syncMaildrop(c, opts, { log: this.log, mailboxId: this.account.mailboxId }));
  }

  /** The message whose UIDL is `ref`; the folder is the one maildrop, whatever it is called. */
  fetchRaw(_folderRef: string, ref: string): Promise<Buffer> {
    return this.run(async (c) => {
      const n = byUid(await c.uidl()).get(ref);
      if (n === undefined) throw storeError("nonexistent", `${c.where}: no message with UIDL ${ref}`);
      return c.retr(n);
    });
  }

  /**
   * DELE the messages with these UIDLs and QUIT. Ones already gone are
   * skipped, so a retry after a failure does exactly what is left. A
   * repeated UIDL (a broken server) deletes every message carrying it.
   */
  async expunge(_folderRef: string, refs: string[]): Promise<void> {
    if (!refs.length) return;
    const wanted = new Set(refs);
    await this.run(
      async (c) => {
        const ns = (await c.uidl())
          .filter((e) => wanted.has(e.uid))
          .map((e) => e.n)
          .sort((a, b) => a - b);
        await c.deleMany(ns);
      },
      { commit: true },
    );
  }

  /** POP3 keeps no flags; Postern keeps them in its index. */
  async setFlags(): Promise<void> {}

  async copy(): Promise<Map<string, string>> {
    throw storeError("notPossible", "POP3 has no folders to copy to");
  }

  async move(): Promise<Map<string, string>> {
    throw storeError("notPossible", "POP3 has no folders to move to");
  }

  async append(): Promise<string | null> {
    throw storeError("notPossible", "POP3 cannot store messages");
  }

  /** No search in POP3; a message Postern would adopt cannot have been put there by Postern anyway. */
  async findByMessageId(): Promise<string[]> {
    return [];
  }

  async createFolder(ref: string): Promise<void> {
    throw storeError("notPossible", `POP3 has no folders (create ${ref})`);
  }

  async renameFolder(from: string): Promise<void> {
    throw storeError("notPossible", `POP3 has no folders (rename ${from})`);
  }

  async deleteFolder(ref: string): Promise<void> {
    throw storeError("notPossible", `POP3 has no folders (delete ${ref})`);
  }

  /** No push in POP3: new mail shows only at a new login, so the engine polls. */
  async watch(): Promise<() => Promise<void>> {
    throw storeError("notPossible", "POP3 cannot report changes; poll instead");
  }

  /** Sessions are per call: nothing stays open. */
  async close(): Promise<void> {}
}
