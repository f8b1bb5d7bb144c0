// tag STATUS mailbox (status-att…)   (RFC 3501 §6.3.10; HIGHESTMODSEQ RFC 7162)
import { atomValue, expectCount, listItems } from "../args.ts";
import { AUTHENTICATED, defineCommand, ok } from "../command.ts";
import { mailboxArg, wireName } from "../mailbox-name.ts";
import type { FolderStatus } from "../store.ts";
import { ParseError, type Token } from "../wire/tokens.ts";

export type StatusItem = "MESSAGES" | "RECENT" | "UIDNEXT" | "UIDVALIDITY" | "UNSEEN" | "HIGHESTMODSEQ";
const ITEMS = new Set<StatusItem>(["MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ"]);

export function parseStatusItems(tokens: Token[]): StatusItem[] {
  if (!tokens.length) throw new ParseError("empty status item list");
  return tokens.map((t) => {
    const v = atomValue(t, "status item").toUpperCase() as StatusItem;
    if (!ITEMS.has(v)) throw new ParseError(`unknown status item ${v}`);
    return v;
  });
}

export function statusText(st: FolderStatus, items: StatusItem[]): string {
  const value: Record<StatusItem, number> = {
    MESSAGES: st.messages,
    RECENT: st.recent,
    UIDNEXT: st.uidNext,
    UIDVALIDITY: st.uidValidity,
    UNSEEN: st.unseen,
    HIGHESTMODSEQ: st.highestModseq,
  };
  return items.map((i) => `${i} ${value[i]}`).join(" ");
}

export const status = defineCommand({
  name: "STATUS",
  states: AUTHENTICATED,
  expungeAllowed: true,
  parse(args) {
    expectCount(args, 2);
    return { name: mailboxArg(args[0]), items: parseStatusItems(listItems(args[1], "status item list")) };
  },
  async run(session, { name, items }) {
    if (items.includes("HIGHESTMODSEQ")) session.condstore = true;
    const st = await session.store.status(name);
    session.untagged(`STATUS ${wireName(name)} (${statusText(st, items)})`);
    return ok("STATUS completed");
  },
});
