// tag DELETE mailbox   (RFC 3501 §6.3.4)
import { expectCount } from "../args.ts";
import { AUTHENTICATED, defineCommand, ok } from "../command.ts";
import { mailboxArg } from "../mailbox-name.ts";

export const deleteCommand = defineCommand({
  name: "DELETE",
  states: AUTHENTICATED,
  expungeAllowed: true,
  parse(args) {
    expectCount(args, 1);
    return mailboxArg(args[0]);
  },
  async run(session, name) {
    // Deleting the selected mailbox closes it first, as Dovecot does.
    const view = session.selectedView;
    if (view && view.folder.name.toUpperCase() === name.toUpperCase()) session.deselect();
    await session.store.deleteFolder(name);
    return ok("DELETE completed");
  },
});
