// The IMAP protocol, independent of storage: the session the gateway drives,
// the MailStore seam it implements, and the MIME analysis the index caches.
export * from "./capabilities.ts";
export * from "./command.ts";
export * from "./errors.ts";
export { type FlagSet, parseFlags, SYSTEM_FLAGS, type SystemFlag, systemFlag } from "./flags.ts";
export * from "./limits.ts";
export {
  analyzeMessage,
  type BodyStructure,
  bodyStructureValue,
  decodeBodyText,
  type Envelope,
  envelopeValue,
  fieldText,
  type HeaderField,
  headerValues,
  parseAddressList,
  parseMessage,
  readHeader,
  toCrlf,
} from "./mime/index.ts";
export { formatUidSet, parseSequenceSet } from "./sequence.ts";
export { type CommandDetail, Session, type SessionOptions, type SessionState } from "./session.ts";
export * from "./store.ts";
export * from "./types.ts";
export { decodeMailboxName, encodeMailboxName } from "./utf7.ts";
export { SelectedView } from "./view.ts";
export * from "./wire/encoder.ts";
export { CommandReceiver, type RawCommand, type ReceiverEvent, tagOf } from "./wire/receiver.ts";
export { ParseError, type Token, tokenize } from "./wire/tokens.ts";
