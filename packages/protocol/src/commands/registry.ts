// Every command the server knows, in one table (Dovecot's imap-commands.c).
// Dispatch is a lookup here; nothing is found by building method names.
import type { CommandSpec } from "../command.ts";
import { capability } from "./capability.ts";
import { logout } from "./logout.ts";
import { noop } from "./noop.ts";
import { starttls } from "./starttls.ts";

const COMMANDS: CommandSpec<unknown>[] = [capability, noop, logout, starttls];

export const REGISTRY: ReadonlyMap<string, CommandSpec<unknown>> = new Map(COMMANDS.map((c) => [c.name, c]));
