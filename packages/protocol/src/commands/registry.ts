// Every command the server knows, in one table (Dovecot's imap-commands.c).
// Dispatch is a lookup here; nothing is found by building method names.
import type { CommandSpec } from "../command.ts";
import { append } from "./append.ts";
import { authenticate } from "./authenticate.ts";
import { capability } from "./capability.ts";
import { check } from "./check.ts";
import { close } from "./close.ts";
import { compress } from "./compress.ts";
import { copy, move, uidCopy, uidMove } from "./copy.ts";
import { create } from "./create.ts";
import { deleteCommand } from "./delete.ts";
import { enable } from "./enable.ts";
import { expunge, uidExpunge } from "./expunge.ts";
import { fetch, uidFetch } from "./fetch.ts";
import { id } from "./id.ts";
import { idle } from "./idle.ts";
import { listCommand } from "./list.ts";
import { login } from "./login.ts";
import { logout } from "./logout.ts";
import { lsub } from "./lsub.ts";
import { namespace } from "./namespace.ts";
import { noop } from "./noop.ts";
import { rename } from "./rename.ts";
import { search, uidSearch } from "./search.ts";
import { examine, select } from "./select.ts";
import { starttls } from "./starttls.ts";
import { status } from "./status.ts";
import { store, uidStore } from "./store.ts";
import { subscribe, unsubscribe } from "./subscribe.ts";
import { unselect } from "./unselect.ts";

const COMMANDS: CommandSpec<unknown>[] = [
  // any state
  capability,
  noop,
  logout,
  id,
  // not authenticated
  starttls,
  login,
  authenticate,
  // authenticated
  enable,
  namespace,
  compress,
  select,
  examine,
  create,
  deleteCommand,
  rename,
  subscribe,
  unsubscribe,
  listCommand,
  lsub,
  status,
  append,
  idle,
  // selected
  check,
  close,
  unselect,
  expunge,
  uidExpunge,
  search,
  uidSearch,
  fetch,
  uidFetch,
  store,
  uidStore,
  copy,
  uidCopy,
  move,
  uidMove,
];

export const REGISTRY: ReadonlyMap<string, CommandSpec<unknown>> = new Map(COMMANDS.map((c) => [c.name, c]));
