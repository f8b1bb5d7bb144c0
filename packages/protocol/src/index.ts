export * from "./capabilities.ts";
export * from "./command.ts";
export * from "./limits.ts";
export { Session, type SessionOptions, type SessionState } from "./session.ts";
export * from "./types.ts";
export * from "./wire/encoder.ts";
export { CommandReceiver, type RawCommand, type ReceiverEvent, tagOf } from "./wire/receiver.ts";
export { ParseError, type Token, tokenize } from "./wire/tokens.ts";
