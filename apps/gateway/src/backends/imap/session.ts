// One mailbox at an IMAP backend: the command channel every call goes
// through (serialised), the folder names learnt from the server, and the
// watches (one connection each) the engine asked for.
import type { ImapFlow } from "imapflow";
import type {
  BackendAccount,
  BackendCapabilities,
  BackendSession,
  FolderCursor,
  FolderSync,
  RemoteFolder,
} from "../types.ts";
import { CommandChannel, capabilitiesOf } from "./connection.ts";
import { storeError } from "./errors.ts";
import { FolderNames } from "./folders.ts";
import * as messages from "./messages.ts";
import { type SyncOptions, syncFolder } from "./sync.ts";
import { type FolderWatch, watchFolder } from "./watch.ts";

export class ImapSession implements BackendSession {
  readonly capabilities: BackendCapabilities;
  private readonly channel: CommandChannel;
  private names: FolderNames;
  private readonly watches = new Set<FolderWatch>();
  private closed = false;

  constructor(
    private readonly account: BackendAccount,
    client: ImapFlow,
  ) {
    this.capabilities = capabilitiesOf(client);
    this.names = new FolderNames(client.namespace);
    this.channel = new CommandChannel(account, client);
  }

  async listFolders(): Promise<RemoteFolder[]> {
    return this.channel.run("LIST", async (client) => this.names.fromList(await client.list()));
  }

  folderRefFor(name: string): string {
    return this.names.refFor(name);
  }

  syncFolder(folderRef: string, cursor: FolderCursor | null, opts?: SyncOptions): Promise<FolderSync> {
    return this.channel.run(`sync ${folderRef}`, (client) => syncFolder(client, folderRef, cursor, opts));
  }

  fetchRaw(folderRef: string, ref: string): Promise<Buffer> {
    return this.channel.run(`fetch ${folderRef} ${ref}`, (client) => messages.fetchRaw(client, folderRef, ref));
  }

  setFlags(folderRef: string, refs: string[], change: { add: string[]; remove: string[] }): Promise<void> {
    return this.channel.run(`store ${folderRef}`, (client) => messages.setFlags(client, folderRef, refs, change));
  }

  copy(folderRef: string, refs: string[], destRef: string): Promise<Map<string, string>> {
    return this.channel.run(`copy ${folderRef} → ${destRef}`, (client) =>
      messages.copy(client, folderRef, refs, destRef),
    );
  }

  move(folderRef: string, refs: string[], destRef: string): Promise<Map<string, string>> {
    return this.channel.run(`move ${folderRef} → ${destRef}`, (client) =>
      messages.move(client, folderRef, refs, destRef),
    );
  }

  expunge(folderRef: string, refs: string[]): Promise<void> {
    return this.channel.run(`expunge ${folderRef}`, (client) => messages.expunge(client, folderRef, refs));
  }

  append(folderRef: string, raw: Buffer, opts: { flags: string[]; internalDate?: Date }): Promise<string | null> {
    return this.channel.run(`append ${folderRef}`, (client) => messages.append(client, folderRef, raw, opts));
  }

  findByMessageId(folderRef: string, messageId: string): Promise<string[]> {
    return this.channel.run(`search ${folderRef}`, (client) => messages.findByMessageId(client, folderRef, messageId));
  }

  /** Idempotent: a folder that already exists is what was asked for (imapflow subscribes it too). */
  createFolder(ref: string): Promise<void> {
    return this.channel.run(`create ${ref}`, async (client) => {
      await client.mailboxCreate(ref);
    });
  }

  renameFolder(from: string, to: string): Promise<void> {
    return this.channel.run(`rename ${from} → ${to}`, async (client) => {
      await client.mailboxRename(from, to);
    });
  }

  deleteFolder(ref: string): Promise<void> {
    return this.channel.run(`delete ${ref}`, async (client) => {
      await client.mailboxDelete(ref);
    });
  }

  async watch(folderRef: string, onChange: () => void): Promise<() => Promise<void>> {
    if (this.closed) throw storeError("unavailable", "session closed");
    const watch = await watchFolder(this.account, folderRef, onChange);
    this.watches.add(watch);
    return async () => {
      this.watches.delete(watch);
      await watch.stop();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const watches = [...this.watches];
    this.watches.clear();
    await Promise.all([this.channel.close(), ...watches.map((w) => w.stop())]);
  }
}
