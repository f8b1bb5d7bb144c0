// tag SELECT mailbox [(CONDSTORE | QRESYNC (uidvalidity modseq [known-uids [seq-match]]))]
// tag EXAMINE …   (RFC 3501 §6.3.1–2, RFC 7162 §3.1.8, §3.2.5)
import { atomValue } from "../args.ts";
import { AUTHENTICATED, defineCommand, no, ok } from "../command.ts";
import { SYSTEM_FLAGS } from "../flags.ts";
import { mailboxArg } from "../mailbox-name.ts";
import { formatUidSet, parseSequenceSet, uidRanges } from "../sequence.ts";
import { flagText } from "../session.ts";
import { SelectedView } from "../view.ts";
import { ParseError, type Token } from "../wire/tokens.ts";

interface QresyncParams {
  uidValidity: number;
  modseq: number;
  knownUids?: string;
}

interface SelectArgs {
  name: string;
  condstore: boolean;
  qresync?: QresyncParams;
}

function parseNumber(t: Token | undefined, what: string, min = 1): number {
  const v = atomValue(t, what);
  if (!/^\d{1,20}$/.test(v) || Number(v) < min) throw new ParseError(`invalid ${what}`);
  return Number(v);
}

function parseSelect(args: Token[]): SelectArgs {
  if (!args.length || args.length > 2) throw new ParseError("expected a mailbox name and optional parameters");
  const out: SelectArgs = { name: mailboxArg(args[0]), condstore: false };
  if (args[1]) {
    if (args[1].type !== "list") throw new ParseError("SELECT parameters must be a list");
    const items = args[1].items;
    for (let i = 0; i < items.length; i++) {
      const p = atomValue(items[i], "select parameter").toUpperCase();
      if (p === "CONDSTORE") out.condstore = true;
      else if (p === "QRESYNC") {
        const q = items[++i];
        if (q?.type !== "list" || q.items.length < 2 || q.items.length > 4)
          throw new ParseError("QRESYNC needs (uidvalidity modseq [known-uids [seq-match]])");
        out.qresync = {
          uidValidity: parseNumber(q.items[0], "UIDVALIDITY"),
          modseq: parseNumber(q.items[1], "mod-sequence", 0),
          knownUids: q.items[2] ? atomValue(q.items[2], "known UIDs") : undefined,
        };
        if (out.qresync.knownUids) parseSequenceSet(out.qresync.knownUids);
      } else throw new ParseError(`unknown SELECT parameter ${p}`);
    }
  }
  return out;
}

function selectCommand(name: "SELECT" | "EXAMINE", readOnly: boolean) {
  return defineCommand({
    name,
    states: AUTHENTICATED,
    expungeAllowed: true,
    parse: parseSelect,
    async run(session, a) {
      if (a.qresync && !session.qresync) return no("QRESYNC was not enabled", "CANNOT");
      if (a.condstore) session.condstore = true;
      const hadMailbox = session.selectedView !== null;
      // A failed SELECT leaves no mailbox selected (RFC 3501 §6.3.1).
      session.deselect();
      // RFC 7162 §3.2.11: the client learns the old mailbox is closed.
      if (hadMailbox && session.qresync) session.untagged("OK [CLOSED] Previous mailbox closed");
      const folder = await session.store.open(a.name, { readOnly });
      const view = new SelectedView(folder);
      const flags = [...SYSTEM_FLAGS, ...folder.keywords];
      session.untagged(`FLAGS (${flags.join(" ")})`);
      session.untagged(
        folder.readOnly
          ? "OK [PERMANENTFLAGS ()] Read-only mailbox"
          : `OK [PERMANENTFLAGS (${[...flags, "\\*"].join(" ")})] Flags permitted`,
      );
      session.untagged(`${view.exists} EXISTS`);
      session.untagged(`${view.recent.size} RECENT`);
      if (folder.firstUnseenUid !== null) {
        const seq = view.seqOf(folder.firstUnseenUid);
        if (seq) session.untagged(`OK [UNSEEN ${seq}] First unseen`);
      }
      session.untagged(`OK [UIDVALIDITY ${folder.uidValidity}] UIDs valid`);
      session.untagged(`OK [UIDNEXT ${folder.uidNext}] Predicted next UID`);
      session.untagged(`OK [HIGHESTMODSEQ ${folder.highestModseq}] Highest`);
      if (a.qresync && a.qresync.uidValidity === folder.uidValidity) {
        const known = a.qresync.knownUids
          ? uidRanges(parseSequenceSet(a.qresync.knownUids), Math.max(1, folder.uidNext - 1))
          : undefined;
        const vanished = await session.store.vanished(folder, a.qresync.modseq, known);
        if (vanished.length) session.untagged(`VANISHED (EARLIER) ${formatUidSet(vanished)}`);
        const changed = await session.store.fetch(
          folder,
          view.uids,
          { envelope: false, bodyStructure: false, header: false, body: false },
          { changedSince: a.qresync.modseq },
        );
        for (const m of changed) {
          const seq = view.seqOf(m.uid);
          if (seq)
            session.untagged(
              `${seq} FETCH (UID ${m.uid} FLAGS (${flagText(m.flags, view.recent.has(m.uid))}) MODSEQ (${m.modseq}))`,
            );
        }
      }
      session.select(view);
      return ok(`${name} completed`, folder.readOnly ? "READ-ONLY" : "READ-WRITE");
    },
  });
}

export const select = selectCommand("SELECT", false);
export const examine = selectCommand("EXAMINE", true);
