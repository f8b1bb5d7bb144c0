// tag LIST [(selection-options)] reference (pattern | (patterns)) [RETURN (return-options)]
// RFC 3501 §6.3.8, LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154)
import { astring, atomValue } from "../args.ts";
import { AUTHENTICATED, defineCommand, ok } from "../command.ts";
import { joinReference, patternRegExp, withHierarchy } from "../listing.ts";
import { mailboxArg, wireName } from "../mailbox-name.ts";
import { StoreError } from "../store.ts";
import { decodeMailboxName } from "../utf7.ts";
import { ParseError, type Token } from "../wire/tokens.ts";
import { parseStatusItems, type StatusItem, statusText } from "./status.ts";

interface ListArgs {
  subscribedOnly: boolean;
  recursiveMatch: boolean;
  specialUseOnly: boolean;
  returnSubscribed: boolean;
  returnChildren: boolean;
  returnSpecialUse: boolean;
  status: StatusItem[] | null;
  reference: string;
  patterns: string[];
  extended: boolean;
}

function patternArg(t: Token): string {
  // Patterns may hold % and *, which are not astring characters; the
  // tokenizer still reads them as atoms.
  const raw = t.type === "string" ? t.value.toString("utf8") : astring(t, "pattern");
  return /[^\x00-\x7f]/.test(raw) ? raw : decodeMailboxName(raw);
}

export const listCommand = defineCommand<ListArgs>({
  name: "LIST",
  states: AUTHENTICATED,
  expungeAllowed: true,
  parse(args) {
    const a: ListArgs = {
      subscribedOnly: false,
      recursiveMatch: false,
      specialUseOnly: false,
      returnSubscribed: false,
      returnChildren: true,
      returnSpecialUse: true,
      status: null,
      reference: "",
      patterns: [],
      extended: false,
    };
    let i = 0;
    if (args[0]?.type === "list") {
      a.extended = true;
      for (const o of args[0].items) {
        const opt = atomValue(o, "selection option").toUpperCase();
        if (opt === "SUBSCRIBED") a.subscribedOnly = a.returnSubscribed = true;
        else if (opt === "RECURSIVEMATCH") a.recursiveMatch = true;
        else if (opt === "SPECIAL-USE") a.specialUseOnly = true;
        else if (opt === "REMOTE") {
          // No remote mailboxes here (RFC 5258 §3.1).
        } else throw new ParseError(`unknown LIST selection option ${opt}`);
      }
      if (a.recursiveMatch && !a.subscribedOnly) throw new ParseError("RECURSIVEMATCH needs another selection option");
      i++;
    }
    if (args.length < i + 2) throw new ParseError("expected a reference and a mailbox pattern");
    a.reference = mailboxArgOrEmpty(args[i]);
    const p = args[i + 1];
    if (p.type === "list") {
      a.extended = true;
      a.patterns = p.items.map(patternArg);
    } else a.patterns = [patternArg(p)];
    i += 2;
    if (i < args.length) {
      const kw = args[i];
      if (
        kw.type !== "atom" ||
        kw.value.toUpperCase() !== "RETURN" ||
        args[i + 1]?.type !== "list" ||
        args.length !== i + 2
      ) {
        throw new ParseError("expected RETURN (options)");
      }
      a.extended = true;
      const opts = (args[i + 1] as { items: Token[] }).items;
      for (let j = 0; j < opts.length; j++) {
        const opt = atomValue(opts[j], "return option").toUpperCase();
        if (opt === "SUBSCRIBED") a.returnSubscribed = true;
        else if (opt === "CHILDREN") a.returnChildren = true;
        else if (opt === "SPECIAL-USE") a.returnSpecialUse = true;
        else if (opt === "STATUS") {
          const items = opts[++j];
          if (items?.type !== "list") throw new ParseError("STATUS needs a list of items");
          a.status = parseStatusItems(items.items);
        } else throw new ParseError(`unknown LIST return option ${opt}`);
      }
    }
    return a;
  },
  async run(session, a) {
    const delim = session.store.delimiter;
    // LIST "" "" asks for the delimiter and the root (RFC 3501 §6.3.8).
    if (a.patterns.length === 1 && a.patterns[0] === "") {
      session.untagged(`LIST (\\Noselect) "${delim}" ""`);
      return ok("LIST completed");
    }
    const entries = withHierarchy(await session.store.listFolders(), delim);
    const regs = a.patterns.map((p) => patternRegExp(joinReference(a.reference, p, delim), delim));
    for (const e of entries) {
      if (!regs.some((r) => r.test(e.name))) continue;
      const childInfo = a.recursiveMatch && e.hasSubscribedChild && !e.subscribed;
      if (a.subscribedOnly && !e.subscribed && !childInfo) continue;
      if (a.specialUseOnly && !e.specialUse) continue;
      const attrs: string[] = [];
      if (e.noSelect) attrs.push(e.hasChildren ? "\\Noselect" : "\\NonExistent");
      if (a.returnChildren) attrs.push(e.hasChildren ? "\\HasChildren" : "\\HasNoChildren");
      if (a.returnSubscribed && e.subscribed) attrs.push("\\Subscribed");
      if (a.returnSpecialUse && e.specialUse) attrs.push(e.specialUse);
      let line = `LIST (${attrs.join(" ")}) "${delim}" ${wireName(e.name)}`;
      if (childInfo) line += ' ("CHILDINFO" ("SUBSCRIBED"))';
      session.untagged(line);
      if (a.status && !e.noSelect) {
        try {
          const st = await session.store.status(e.name);
          session.untagged(`STATUS ${wireName(e.name)} (${statusText(st, a.status)})`);
        } catch (err) {
          // RFC 5819: a mailbox whose STATUS fails is listed without it.
          if (!(err instanceof StoreError)) throw err;
        }
      }
    }
    return ok("LIST completed");
  },
});

function mailboxArgOrEmpty(t: Token): string {
  if (t.type === "string" && t.value.length === 0) return "";
  return mailboxArg(t);
}
