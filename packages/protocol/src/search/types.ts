// The typed form of a SEARCH command (RFC 3501 §6.4.4, RFC 7162 MODSEQ,
// RFC 4731 RETURN) and what the evaluator asks of a message.
import type { SystemFlag } from "../flags.ts";
import type { SequenceSet } from "../sequence.ts";

/** A calendar date from the wire (`1-Feb-1994`): no time, no zone. */
export interface SearchDate {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
}

/** BEFORE (earlier than the day), ON (within the day), SINCE (within or later). */
export type DateOp = "before" | "on" | "since";

/** Keys RFC 3501 defines on the envelope structure's fields. */
export type EnvelopeField = "from" | "to" | "cc" | "bcc" | "subject";

export type ModSeqEntryType = "priv" | "shared" | "all";

/**
 * One search key. NEW is parsed as `and(recent, flag \Seen absent)` and OLD as
 * `not(recent)` (RFC 3501 §6.4.4 gives those equivalences), so stores see
 * fewer node types. Strings are as the client sent them (decoded from
 * UTF-8); matching is a case-insensitive substring test.
 */
export type SearchKey =
  | { type: "all" }
  /** ANSWERED/UNANSWERED, DELETED/UNDELETED, … : present = the flag must be set. */
  | { type: "flag"; flag: SystemFlag; present: boolean }
  /** KEYWORD/UNKEYWORD; keywords compare case-insensitively. */
  | { type: "keyword"; keyword: string; present: boolean }
  /** \Recent in this session. */
  | { type: "recent" }
  | { type: "envelope"; field: EnvelopeField; value: string }
  /** HEADER: field name lower-cased; an empty value matches any message that has the field. */
  | { type: "header"; field: string; value: string }
  | { type: "body"; value: string }
  /** Header or body. */
  | { type: "text"; value: string }
  | { type: "internalDate"; op: DateOp; date: SearchDate }
  /** The Date: header, disregarding time and timezone. */
  | { type: "sentDate"; op: DateOp; date: SearchDate }
  | { type: "size"; op: "larger" | "smaller"; size: number }
  /** Message sequence numbers. */
  | { type: "seq"; set: SequenceSet }
  | { type: "uid"; set: SequenceSet }
  /**
   * RFC 7162 §3.1.5: mod-sequence >= value. The entry (`"/flags/\\draft" all`)
   * is parsed but a server without per-flag mod-sequences MUST ignore it.
   */
  | { type: "modseq"; modseq: number; entry?: { name: string; type: ModSeqEntryType } }
  | { type: "not"; key: SearchKey }
  | { type: "or"; left: SearchKey; right: SearchKey }
  | { type: "and"; keys: SearchKey[] };

/** RFC 4731 result options. `RETURN ()` means ALL. */
export interface ReturnOptions {
  min: boolean;
  max: boolean;
  count: boolean;
  all: boolean;
}

export interface SearchRequest {
  /** The CHARSET given, or the default (US-ASCII; UTF-8 once UTF8=ACCEPT is enabled). Strings are UTF-8 either way. */
  charset: "UTF-8" | "US-ASCII";
  /** Present when RETURN was given: answer with ESEARCH. */
  returnOptions?: ReturnOptions;
  /** The criteria; several top-level keys become one `and`. */
  key: SearchKey;
}

export type MaybePromise<T> = T | Promise<T>;

/**
 * One message as the evaluator sees it. Cheap fields are plain values; the
 * rest are accessors the store implements lazily (and may memoise), so a
 * search on flags never loads a header and a search on headers never loads a
 * body.
 */
export interface SearchCandidate {
  uid: number;
  seq: number;
  flags: ReadonlySet<SystemFlag>;
  keywords: readonly string[];
  internalDate: Date;
  /** RFC822.SIZE. */
  size: number;
  modseq: number;
  /** \Recent in this session. */
  isRecent: boolean;
  /** Decoded (RFC 2047) values of every field with this name (given lower-case), in order; [] when absent. */
  header(name: string): MaybePromise<readonly string[]>;
  /** The Date: header's raw value (as in ENVELOPE), or null. */
  sentDate(): MaybePromise<string | null>;
  /** Decoded text of the body parts (transfer encoding and charset undone). */
  bodyText(): MaybePromise<string>;
  /** Header and body text. */
  fullText(): MaybePromise<string>;
}

/** Mailbox-wide values the evaluation needs. */
export interface SearchContext {
  /** What `*` means in a message-number set. */
  messageCount: number;
  /** What `*` means in a UID set (the last message's UID; 0 when empty). */
  maxUid: number;
  /**
   * The zone whose calendar day INTERNALDATE falls on for BEFORE/ON/SINCE
   * ("disregarding time and timezone"), in minutes east of UTC. Default 0.
   */
  internalDateOffsetMinutes?: number;
}
