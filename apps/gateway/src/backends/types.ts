// The backend interface: what the sync engine asks of a mail system, one
// function table per kind (backends/imap, backends/pop3, …), each filling in
// what it can and throwing `notPossible` for the rest — as Dovecot's
// lib-storage backends (imapc, pop3c) do. Errors are StoreErrors with the
// shared vocabulary; `detail` carries the backend's own words for the log,
// never for a phone.
import type { Envelope } from "@postern/protocol";

/** Everything needed to reach one mailbox at its backend (secrets decrypted). */
export interface BackendAccount {
  mailboxId: string;
  address: string;
  kind: "imap" | "pop3" | "graph" | "ews";
  host: string;
  port: number;
  security: "tls" | "starttls" | "none";
  login: string;
  password: string;
  /** Kind-specific options from the backend row (poll interval, leave-on-server…). */
  options: Record<string, unknown>;
  /** Trust this CA (PEM) for the backend's certificate: tests, private CAs. */
  ca?: string;
  /** Skip certificate verification (never by default; an admin's explicit choice). */
  insecureTls?: boolean;
}

export interface RemoteFolder {
  /** The backend's name for it (IMAP path). */
  ref: string;
  /** The name phones see: "/"-delimited, INBOX canonical. */
  name: string;
  specialUse: string | null;
  subscribed: boolean;
  noSelect: boolean;
}

/** Where a folder's sync left off. */
export interface FolderCursor {
  uidValidity: number;
  uidNext: number;
  highestModseq?: number;
}

/** One message as the backend describes it, without its body. */
export interface RemoteMessage {
  /** Stable reference within the folder's cursor: IMAP "uidvalidity:uid". */
  ref: string;
  flags: string[];
  internalDate: Date;
  size: number;
  /** The raw header block, when fetched (ENVELOPE is computed from it). */
  header?: Buffer;
  envelope?: Envelope;
  /** BODYSTRUCTURE in the index's JSON form (mime/bodystructure.ts). */
  bodyStructure?: unknown;
  messageId?: string | null;
  /**
   * The whole message, when the backend can only index by downloading
   * (POP3): stored durably in the blob store with the index row.
   */
  raw?: Buffer;
}

export interface FolderSync {
  cursor: FolderCursor;
  /** The cursor's UIDVALIDITY no longer holds: every ref is new (re-map the folder). */
  reset: boolean;
  /** Messages new since the cursor (all of them after a reset), ascending. */
  added: RemoteMessage[];
  /** Messages whose flags changed since the cursor (ref + flags only). */
  changed: Array<{ ref: string; flags: string[] }>;
  /** Refs that disappeared since the cursor. */
  removed: string[];
  /**
   * When the backend cannot say what changed (no CONDSTORE), the full set of
   * refs present now: anything else the index holds for the folder is gone.
   */
  present?: Set<string>;
}

export interface BackendCapabilities {
  /** Flags and keywords stored at the backend (POP3: no). */
  flags: boolean;
  /** Folders exist at the backend (POP3: no). */
  folders: boolean;
  /** The backend can push changes (IMAP IDLE, Graph notifications). */
  push: boolean;
  /** Cheap incremental sync (CONDSTORE/QRESYNC, delta links). */
  incremental: boolean;
  /** Atomic move (IMAP MOVE). */
  move: boolean;
  /** New references are reported for copies and appends (UIDPLUS). */
  uidplus: boolean;
}

export interface SyncFolderOptions {
  onProgress?: (done: number, total: number) => void;
  /**
   * Refs the index already holds for this mailbox (POP3, which has no
   * cursor: anything else on the server is new). Given only by engines
   * that index backends without folders.
   */
  known?: Set<string>;
  /**
   * When given, new messages are handed over in batches as they are read
   * (and `added` stays empty), so a 10,000-message mailbox is never held in
   * memory at once.
   */
  onMessages?: (batch: RemoteMessage[]) => Promise<void>;
}

/** A connection to one mailbox at its backend. */
export interface BackendSession {
  readonly capabilities: BackendCapabilities;
  /** Least time the server wants between logins (POP3 LOGIN-DELAY); polls are never closer. */
  readonly loginDelaySeconds?: number | null;
  listFolders(): Promise<RemoteFolder[]>;
  /** What changed in a folder since `cursor` (everything when no cursor). */
  syncFolder(folderRef: string, cursor: FolderCursor | null, opts?: SyncFolderOptions): Promise<FolderSync>;
  fetchRaw(folderRef: string, ref: string): Promise<Buffer>;
  setFlags(folderRef: string, refs: string[], change: { add: string[]; remove: string[] }): Promise<void>;
  /** Returns the new refs in the destination, by source ref, where the backend tells them. */
  copy(folderRef: string, refs: string[], destRef: string): Promise<Map<string, string>>;
  move(folderRef: string, refs: string[], destRef: string): Promise<Map<string, string>>;
  /** Permanently remove (\Deleted + UID EXPUNGE on IMAP). */
  expunge(folderRef: string, refs: string[]): Promise<void>;
  /** Returns the new message's ref when the backend tells it. */
  append(folderRef: string, raw: Buffer, opts: { flags: string[]; internalDate?: Date }): Promise<string | null>;
  /** Refs of messages with this Message-ID in the folder (to adopt instead of duplicating). */
  findByMessageId(folderRef: string, messageId: string): Promise<string[]>;
  createFolder(ref: string): Promise<void>;
  renameFolder(from: string, to: string): Promise<void>;
  deleteFolder(ref: string): Promise<void>;
  /** The backend's folder name for a phone-side folder name. */
  folderRefFor(name: string): string;
  /** Call `onChange` when the folder changes at the backend; returns a stop function. */
  watch(folderRef: string, onChange: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface BackendDriver {
  kind: BackendAccount["kind"];
  connect(account: BackendAccount): Promise<BackendSession>;
}
