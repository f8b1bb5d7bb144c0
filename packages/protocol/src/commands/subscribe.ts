// tag SUBSCRIBE mailbox / tag UNSUBSCRIBE mailbox   (RFC 3501 §6.3.6, §6.3.7)
import { expectCount } from "../args.ts";
import { AUTHENTICATED, defineCommand, ok } from "../command.ts";
import { mailboxArg } from "../mailbox-name.ts";

function subscription(name: "SUBSCRIBE" | "UNSUBSCRIBE", subscribed: boolean) {
  return defineCommand({
    name,
    states: AUTHENTICATED,
    expungeAllowed: true,
    parse(args) {
      expectCount(args, 1);
      return mailboxArg(args[0]);
    },
    async run(session, mailbox) {
      await session.store.setSubscribed(mailbox, subscribed);
      return ok(`${name} completed`);
    },
  });
}

export const subscribe = subscription("SUBSCRIBE", true);
export const unsubscribe = subscription("UNSUBSCRIBE", false);
