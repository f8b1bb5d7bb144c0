// The MailStore over the PostgreSQL index: one instance per authenticated
// session, for one mailbox. Nothing here depends on the mailbox's backend
// kind; backends fill the same tables (DESIGN.md "One path for every backend").
import type {
  AppendResult,
  CopyResult,
  FetchedMessage,
  FetchNeeds,
  FolderChanges,
  FolderInfo,
  FolderStatus,
  MailStore,
  OpenedFolder,
  StoreRequest,
  StoreResult,
} from "@postern/protocol";
import type { StoreContext } from "./context.ts";
import * as folders from "./folders.ts";
import * as messages from "./messages.ts";
import { DELIMITER } from "./names.ts";

export class PgMailStore implements MailStore {
  readonly delimiter = DELIMITER;
  private readonly unwatch = new Set<() => void>();

  constructor(readonly ctx: StoreContext) {}

  listFolders(): Promise<FolderInfo[]> {
    return folders.listFolders(this.ctx);
  }
  createFolder(name: string, opts?: { specialUse?: string }): Promise<void> {
    return folders.createFolder(this.ctx, name, opts);
  }
  deleteFolder(name: string): Promise<void> {
    return folders.deleteFolder(this.ctx, name);
  }
  renameFolder(from: string, to: string): Promise<void> {
    return folders.renameFolder(this.ctx, from, to);
  }
  setSubscribed(name: string, subscribed: boolean): Promise<void> {
    return folders.setSubscribed(this.ctx, name, subscribed);
  }
  status(name: string): Promise<FolderStatus> {
    return folders.status(this.ctx, name);
  }
  open(name: string, opts: { readOnly: boolean }): Promise<OpenedFolder> {
    return folders.open(this.ctx, name, opts);
  }
  claimRecent(folder: OpenedFolder, uids: number[]): Promise<number[]> {
    return folders.claimRecent(this.ctx, folder, uids);
  }
  fetch(
    folder: OpenedFolder,
    uids: ArrayLike<number>,
    needs: FetchNeeds,
    opts?: { changedSince?: number },
  ): Promise<FetchedMessage[]> {
    return messages.fetch(this.ctx, folder, uids, needs, opts);
  }
  fetchFlags(
    folder: OpenedFolder,
    uids: ArrayLike<number>,
    opts: { changedSince?: number },
    visit: (uid: number, modseq: number, size: number, flags: string) => void,
  ): Promise<void> {
    return messages.fetchFlags(this.ctx, folder, uids, opts.changedSince, visit);
  }
  fetchRaw(folder: OpenedFolder, uid: number): Promise<Buffer> {
    return messages.fetchRaw(this.ctx, folder, uid);
  }
  store(folder: OpenedFolder, uids: ArrayLike<number>, req: StoreRequest): Promise<StoreResult> {
    return messages.store(this.ctx, folder, uids, req);
  }
  copy(folder: OpenedFolder, uids: ArrayLike<number>, dest: string): Promise<CopyResult> {
    return messages.copy(this.ctx, folder, uids, dest);
  }
  move(folder: OpenedFolder, uids: ArrayLike<number>, dest: string): Promise<CopyResult> {
    return messages.move(this.ctx, folder, uids, dest);
  }
  expunge(folder: OpenedFolder, uids?: ArrayLike<number>): Promise<number[]> {
    return messages.expunge(this.ctx, folder, uids);
  }
  append(name: string, raw: Buffer, opts: { flags: string[]; internalDate?: Date }): Promise<AppendResult> {
    return messages.append(this.ctx, name, raw, opts);
  }
  changes(folder: OpenedFolder, sinceModseq: number): Promise<FolderChanges> {
    return messages.changes(this.ctx, folder, sinceModseq);
  }
  vanished(folder: OpenedFolder, sinceModseq: number, within?: Array<[number, number]>): Promise<number[]> {
    return messages.vanished(this.ctx, folder, sinceModseq, within);
  }
  watch(folder: OpenedFolder, listener: () => void): () => void {
    const off = this.ctx.bus.subscribe(folder.id, () => listener());
    const remove = () => {
      off();
      this.unwatch.delete(remove);
    };
    this.unwatch.add(remove);
    return remove;
  }
  idling(folder: OpenedFolder): void {
    // POP3 has no push: a phone waiting on INBOX makes the worker look now.
    if (folder.name === "INBOX") this.ctx.remote?.inboxOpened?.();
  }
  async close(): Promise<void> {
    for (const off of [...this.unwatch]) off();
  }
}
