// The seam between the protocol and storage (Dovecot's lib-storage draws the
// same line). The protocol package calls only this; the gateway implements it
// over the PostgreSQL index, whatever backend fills that index.
//
// Conventions: folder names are UTF-8 with "/" as the hierarchy delimiter
// (modified UTF-7 is a wire concern, handled by the commands); UIDs and
// MODSEQs are numbers; every method may throw a StoreError.

export interface FolderInfo {
  name: string;
  /** \Sent, \Drafts, \Trash, \Junk, \Archive, \All, \Flagged, or null. */
  specialUse: string | null;
  subscribed: boolean;
  /** A placeholder in the hierarchy that holds no messages (\Noselect). */
  noSelect: boolean;
}

export interface FolderStatus {
  messages: number;
  recent: number;
  unseen: number;
  uidNext: number;
  uidValidity: number;
  highestModseq: number;
  /** Total octets of the folder's messages (STATUS=SIZE). */
  size: number;
}

/** An open (selected) folder as the store hands it to a session. */
export interface OpenedFolder {
  /** Opaque handle the store uses to find the folder again. */
  id: number;
  name: string;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  /** Every UID in the folder, ascending: the session's sequence-number view. */
  uids: Uint32Array;
  /** UIDs this session is the first to see (RFC 3501 \Recent); empty for EXAMINE. */
  recent: number[];
  /** UID of the first message without \Seen, if any. */
  firstUnseenUid: number | null;
  unseen: number;
  /** Keywords in use in the folder (for the FLAGS response). */
  keywords: string[];
  /** The folder is read-only for this user (EXAMINE, or the store says so). */
  readOnly: boolean;
}

export interface MessageFlags {
  uid: number;
  modseq: number;
  flags: string[];
  /**
   * The same flags, space-separated, when the store has them ready (no
   * array, no join: a FETCH 1:* FLAGS of a big folder makes no garbage).
   */
  flagsText?: string;
}

export interface MessageMeta extends MessageFlags {
  internalDate: Date;
  size: number;
}

/** What a FETCH needs from the store, so it loads no more than that. */
export interface FetchNeeds {
  envelope: boolean;
  bodyStructure: boolean;
  /** Some BODY[...] item needs the header block only. */
  header: boolean;
  /** Some item needs the whole raw message. */
  body: boolean;
}

export interface FetchedMessage extends MessageMeta {
  /** Cached structures (JSON-serialisable; see mime/). */
  envelope?: unknown;
  bodyStructure?: unknown;
  /** The raw header block, when needs.header (and not body). */
  header?: Buffer;
  /** The raw message, when needs.body. */
  raw?: Buffer;
}

export type StoreMode = "add" | "remove" | "replace";

export interface StoreRequest {
  mode: StoreMode;
  flags: string[];
  /** CONDSTORE UNCHANGEDSINCE: only messages whose MODSEQ ≤ this change. */
  unchangedSince?: number;
}

export interface StoreResult {
  /** Messages whose flags changed, with their new MODSEQ. */
  changed: MessageFlags[];
  /** Messages left unchanged because UNCHANGEDSINCE failed (RFC 7162 MODIFIED). */
  modified: number[];
  /** Messages already at the requested flags (no MODSEQ bump); reported for FETCH responses. */
  unchanged: MessageFlags[];
}

export interface CopyResult {
  uidValidity: number;
  /** [source UID, destination UID] in source order (COPYUID, RFC 4315). */
  pairs: Array<[number, number]>;
}

export interface AppendResult {
  uidValidity: number;
  uid: number;
}

/** Changes in a folder since a MODSEQ: everything a session must tell its client. */
export interface FolderChanges {
  highestModseq: number;
  uidNext: number;
  /** New and re-flagged messages with MODSEQ > since, ascending by UID. */
  changed: MessageFlags[];
  /** UIDs expunged with MODSEQ > since, ascending. */
  expunged: number[];
}

export type StoreErrorCode =
  | "nonexistent"
  | "alreadyExists"
  | "notPossible"
  | "noPerm"
  | "unavailable"
  | "overQuota"
  | "tooBig"
  | "inUse"
  | "hasChildren"
  | "authFailed"
  | "limit"
  | "expungeIssued"
  | "serverBug";

/**
 * The one error vocabulary of storage and backends. The message is safe to
 * show a client; backend detail goes in `detail`, which is logged only.
 */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly detail?: string;
  constructor(code: StoreErrorCode, message: string, detail?: string) {
    super(message);
    this.name = "StoreError";
    this.code = code;
    this.detail = detail;
  }
}

export interface MailStore {
  /** The hierarchy delimiter; "/" for Postern. */
  readonly delimiter: string;

  listFolders(): Promise<FolderInfo[]>;
  createFolder(name: string, opts?: { specialUse?: string }): Promise<void>;
  deleteFolder(name: string): Promise<void>;
  /** RFC 3501 §6.3.5: renaming INBOX moves its messages to a new folder and leaves INBOX empty. */
  renameFolder(from: string, to: string): Promise<void>;
  setSubscribed(name: string, subscribed: boolean): Promise<void>;
  status(name: string): Promise<FolderStatus>;

  /** SELECT/EXAMINE. A read-write open claims \Recent for the UIDs no session has seen. */
  open(name: string, opts: { readOnly: boolean }): Promise<OpenedFolder>;
  /** Claim \Recent for newly arrived UIDs (a selected session noticing new mail). */
  claimRecent(folder: OpenedFolder, uids: number[]): Promise<number[]>;

  fetch(
    folder: OpenedFolder,
    uids: ArrayLike<number>,
    needs: FetchNeeds,
    opts?: { changedSince?: number },
  ): Promise<FetchedMessage[]>;
  /**
   * Optional fast path for the phone's most frequent FETCH — flags of every
   * message (UID, FLAGS, MODSEQ, RFC822.SIZE only, nothing to set \Seen):
   * calls `visit` for each of `uids` the folder has (and, with changedSince,
   * that changed since), ascending, without making an object per message.
   * `flags` is the space-separated flag list as FETCH sends it (no \Recent).
   */
  fetchFlags?(
    folder: OpenedFolder,
    uids: ArrayLike<number>,
    opts: { changedSince?: number },
    visit: (uid: number, modseq: number, size: number, flags: string) => void,
  ): Promise<void>;
  /** The raw message, for BODY[] of a message whose body was not loaded, or SEARCH TEXT. */
  fetchRaw(folder: OpenedFolder, uid: number): Promise<Buffer>;
  store(folder: OpenedFolder, uids: ArrayLike<number>, req: StoreRequest): Promise<StoreResult>;
  copy(folder: OpenedFolder, uids: ArrayLike<number>, dest: string): Promise<CopyResult>;
  /** Atomic MOVE (RFC 6851): copy + expunge in one transaction. */
  move(folder: OpenedFolder, uids: ArrayLike<number>, dest: string): Promise<CopyResult>;
  /** Expunge \Deleted messages (restricted to `uids` for UID EXPUNGE); returns the expunged UIDs. */
  expunge(folder: OpenedFolder, uids?: ArrayLike<number>): Promise<number[]>;
  append(name: string, raw: Buffer, opts: { flags: string[]; internalDate?: Date }): Promise<AppendResult>;

  /** What changed in the folder since `sinceModseq` (new, re-flagged, expunged). */
  changes(folder: OpenedFolder, sinceModseq: number): Promise<FolderChanges>;
  /** QRESYNC: UIDs expunged since `sinceModseq`, optionally within UID ranges [lo, hi]. */
  vanished(folder: OpenedFolder, sinceModseq: number, within?: Array<[number, number]>): Promise<number[]>;

  /** Wake-up when the folder changes (the index is the truth; this only wakes). */
  watch(folder: OpenedFolder, listener: () => void): () => void;
  /** A client started IDLE in this folder: a store that polls a backend may look now. */
  idling?(folder: OpenedFolder): void;
  /** Per-session end: release watchers and resources. */
  close(): Promise<void>;
}

export interface AuthSuccess {
  ok: true;
  store: MailStore;
  /** The canonical user name (the mailbox address). */
  user: string;
  /** An [ALERT] to show after login (e.g. the backend password needs updating). */
  alert?: string;
}

export interface AuthFailure {
  ok: false;
  /** tooManySessions: the credentials were right, but the mailbox has too many sessions from this address. */
  reason: "invalid" | "rateLimited" | "unavailable" | "tooManySessions";
  /** Wait this long before answering (failed logins are slowed). */
  delayMs?: number;
}

/** The gateway's login hook (smtp-server's onAuth is the model). */
export interface Authenticator {
  login(
    user: string,
    password: string,
    session: { id: string; remoteAddress: string; clientId?: Record<string, string> },
  ): Promise<AuthSuccess | AuthFailure>;
}
