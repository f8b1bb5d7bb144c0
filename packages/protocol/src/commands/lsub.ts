// tag LSUB reference pattern   (RFC 3501 §6.3.9)
import { astring, expectCount } from "../args.ts";
import { AUTHENTICATED, defineCommand, ok } from "../command.ts";
import { joinReference, patternRegExp, withHierarchy } from "../listing.ts";
import { wireName } from "../mailbox-name.ts";
import { decodeMailboxName } from "../utf7.ts";

export const lsub = defineCommand({
  name: "LSUB",
  states: AUTHENTICATED,
  expungeAllowed: true,
  parse(args) {
    expectCount(args, 2);
    const text = (i: number) => {
      const t = args[i];
      const raw = t.type === "string" ? t.value.toString("utf8") : astring(t);
      return /[^\x00-\x7f]/.test(raw) ? raw : decodeMailboxName(raw);
    };
    return { reference: text(0), pattern: text(1) };
  },
  async run(session, { reference, pattern }) {
    const delim = session.store.delimiter;
    const re = patternRegExp(joinReference(reference, pattern, delim), delim);
    const entries = withHierarchy(await session.store.listFolders(), delim);
    for (const e of entries) {
      if (!re.test(e.name)) continue;
      // A "%" that stops at an unsubscribed parent of a subscribed folder
      // lists the parent as \Noselect (RFC 3501 §6.3.9).
      if (e.subscribed) session.untagged(`LSUB () "${delim}" ${wireName(e.name)}`);
      else if (e.hasSubscribedChild && pattern.endsWith("%"))
        session.untagged(`LSUB (\\Noselect) "${delim}" ${wireName(e.name)}`);
    }
    return ok("LSUB completed");
  },
});
