// The shape of a command: each file in commands/ exports one of these, and
// commands/registry.ts lists them in one table.
import type { Session } from "./session.ts";
import type { Token } from "./wire/tokens.ts";

export type StateKind = "notAuthenticated" | "authenticated" | "selected" | "logout";

export const ANY_STATE: readonly StateKind[] = ["notAuthenticated", "authenticated", "selected"];
export const AUTHENTICATED: readonly StateKind[] = ["authenticated", "selected"];
export const SELECTED: readonly StateKind[] = ["selected"];

export type Status = "OK" | "NO" | "BAD";

export interface CommandResult {
  status: Status;
  /** Response code without brackets, e.g. "READ-WRITE", "APPENDUID 38505 3955". */
  code?: string;
  text: string;
}

export interface CommandSpec<A = unknown> {
  /** Upper-case name; UID forms are "UID FETCH" etc. */
  name: string;
  states: readonly StateKind[];
  /**
   * RFC 3501 §7.4.1: EXPUNGE responses must not be sent while answering
   * FETCH, STORE or SEARCH (non-UID forms), so sequence numbers never shift
   * under a client mid-command.
   */
  expungeAllowed: boolean;
  /** Wire tokens after the command name → typed arguments (throws ParseError). */
  parse(args: Token[]): A;
  run(session: Session, args: A, tag: string): Promise<CommandResult>;
}

export const ok = (text: string, code?: string): CommandResult => ({ status: "OK", text, code });
export const no = (text: string, code?: string): CommandResult => ({ status: "NO", text, code });
export const bad = (text: string, code?: string): CommandResult => ({ status: "BAD", text, code });

/** Helper for typed specs in the registry. */
export function defineCommand<A>(spec: CommandSpec<A>): CommandSpec<unknown> {
  return spec as CommandSpec<unknown>;
}
