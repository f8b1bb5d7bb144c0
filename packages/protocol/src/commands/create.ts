// tag CREATE mailbox   (RFC 3501 §6.3.3)
import { expectCount } from "../args.ts";
import { AUTHENTICATED, defineCommand, no, ok } from "../command.ts";
import { mailboxArg } from "../mailbox-name.ts";

export const create = defineCommand({
  name: "CREATE",
  states: AUTHENTICATED,
  expungeAllowed: true,
  parse(args) {
    expectCount(args, 1);
    return mailboxArg(args[0]);
  },
  async run(session, name) {
    if (name.toUpperCase() === "INBOX") return no("INBOX always exists", "ALREADYEXISTS");
    await session.store.createFolder(name);
    return ok("CREATE completed");
  },
});
