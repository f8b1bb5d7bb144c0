// tag SEARCH [RETURN (…)] [CHARSET x] criteria / tag UID SEARCH …
// (RFC 3501 §6.4.4, ESEARCH RFC 4731, CONDSTORE MODSEQ RFC 7162 §3.1.5)
// The store hands over messages in batches with what the criteria need
// (flags only, headers, or bodies); the evaluator decides.
import { type CommandResult, defineCommand, no, ok, SELECTED } from "../command.ts";
import { type SystemFlag, systemFlag } from "../flags.ts";
import { decodeBodyText, decodeEncodedWords, headerValues } from "../mime/headers.ts";
import { parseMessage } from "../mime/parse.ts";
import {
  BadCharsetError,
  compileSearch,
  formatEsearch,
  formatSearch,
  parseSearch,
  type SearchCandidate,
  type SearchRequest,
  searchNeeds,
} from "../search/index.ts";
import type { Session } from "../session.ts";
import type { FetchedMessage } from "../store.ts";
import type { Token } from "../wire/tokens.ts";

const BATCH_META = 5000;
const BATCH_HEADER = 500;
const BATCH_BODY = 50;

type Parsed = { req: SearchRequest } | { badCharset: BadCharsetError };

function parse(args: Token[]): Parsed {
  try {
    return { req: parseSearch(args) };
  } catch (err) {
    // RFC 3501 §6.4.4: an unknown charset is NO [BADCHARSET], not BAD.
    if (err instanceof BadCharsetError) return { badCharset: err };
    throw err;
  }
}

function candidate(m: FetchedMessage, seq: number, recent: boolean): SearchCandidate {
  const flags = new Set<SystemFlag>();
  const keywords: string[] = [];
  for (const f of m.flags) {
    const s = systemFlag(f);
    if (s) flags.add(s);
    else keywords.push(f);
  }
  const header = () => m.header ?? (m.raw ? m.raw.subarray(0, parseMessage(m.raw).headerEnd) : Buffer.alloc(0));
  let body: string | undefined;
  const bodyText = () => {
    if (body === undefined) body = m.raw ? decodeBodyText(m.raw, parseMessage(m.raw)) : "";
    return body;
  };
  return {
    uid: m.uid,
    seq,
    flags,
    keywords,
    internalDate: m.internalDate,
    size: m.size,
    modseq: m.modseq,
    isRecent: recent,
    // RFC 3501 §6.4.4 string keys match the text a user sees: encoded
    // words (RFC 2047) are decoded before matching.
    header: (name) => headerValues(header(), name).map(decodeEncodedWords),
    sentDate: () => headerValues(header(), "date")[0] ?? null,
    bodyText,
    fullText: () => `${decodeEncodedWords(header().toString("utf8"))}\n${bodyText()}`,
  };
}

async function run(session: Session, p: Parsed, tag: string, uidMode: boolean): Promise<CommandResult> {
  if ("badCharset" in p) return no(p.badCharset.message, "BADCHARSET (UTF-8 US-ASCII)");
  const { req } = p;
  const view = session.view;
  const needs = searchNeeds(req.key);
  if (needs.modseq) session.condstore = true;
  const uids = view.uids.slice();
  const match = compileSearch(req.key, { messageCount: uids.length, maxUid: view.lastUid });
  const loadBody = needs.body || needs.text;
  const loadHeader = !loadBody && needs.cost !== "meta";
  const batch = loadBody ? BATCH_BODY : loadHeader ? BATCH_HEADER : BATCH_META;
  const matches: number[] = [];
  const modseqs: number[] = [];
  for (let i = 0; i < uids.length && !session.isClosed; i += batch) {
    const msgs = await session.store.fetch(view.folder, uids.subarray(i, i + batch), {
      envelope: false,
      bodyStructure: false,
      header: loadHeader,
      body: loadBody,
    });
    for (const m of msgs) {
      const seq = view.seqOf(m.uid);
      if (!seq) continue;
      const hit = await match(candidate(m, seq, view.recent.has(m.uid)));
      if (hit) {
        matches.push(uidMode ? m.uid : seq);
        modseqs.push(m.modseq);
      }
    }
  }
  const result = { matches, modseqs: needs.modseq ? modseqs : undefined };
  session.untagged(req.returnOptions ? formatEsearch(tag, uidMode, result, req.returnOptions) : formatSearch(result));
  return ok(`${uidMode ? "UID SEARCH" : "SEARCH"} completed`);
}

export const search = defineCommand<Parsed>({
  name: "SEARCH",
  states: SELECTED,
  // RFC 3501 §7.4.1: no EXPUNGE while answering SEARCH.
  expungeAllowed: false,
  parse,
  run: (session, p, tag) => run(session, p, tag, false),
});

export const uidSearch = defineCommand<Parsed>({
  name: "UID SEARCH",
  states: SELECTED,
  expungeAllowed: true,
  parse,
  run: (session, p, tag) => run(session, p, tag, true),
});
