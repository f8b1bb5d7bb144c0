// tag RENAME existing-mailbox new-mailbox   (RFC 3501 §6.3.5; renaming INBOX moves its messages)
import { expectCount } from "../args.ts";
import { AUTHENTICATED, defineCommand, ok } from "../command.ts";
import { mailboxArg } from "../mailbox-name.ts";

export const rename = defineCommand({
  name: "RENAME",
  states: AUTHENTICATED,
  expungeAllowed: true,
  parse(args) {
    expectCount(args, 2);
    return { from: mailboxArg(args[0]), to: mailboxArg(args[1]) };
  },
  async run(session, { from, to }) {
    await session.store.renameFolder(from, to);
    return ok("RENAME completed");
  },
});
