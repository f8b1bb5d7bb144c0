// tag APPEND mailbox [(flags)] [date-time] literal   (RFC 3501 §6.3.11, UIDPLUS APPENDUID)
import { AUTHENTICATED, defineCommand, no, ok } from "../command.ts";
import { parseFlags } from "../flags.ts";
import { mailboxArg } from "../mailbox-name.ts";
import { ParseError, type Token } from "../wire/tokens.ts";

interface AppendArgs {
  mailbox: string;
  flags: string[];
  date?: Date;
  message: Buffer;
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE */
export function parseDateTime(s: string): Date {
  const m = /^( ?\d|\d\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(s);
  const month = m ? MONTHS[m[2].toLowerCase()] : undefined;
  if (!m || month === undefined) throw new ParseError("invalid date-time");
  const [day, year, hh, mm, ss] = [Number(m[1].trim()), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) throw new ParseError("invalid date-time");
  const offset = (m[7] === "-" ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  return new Date(Date.UTC(year, month, day, hh, mm, ss) - offset * 60_000);
}

function parse(args: Token[]): AppendArgs {
  if (args.length < 2 || args.length > 4)
    throw new ParseError("expected a mailbox, optional flags and date, and a message literal");
  const mailbox = mailboxArg(args[0]);
  let i = 1;
  let flags: string[] = [];
  if (args[i].type === "list") {
    const f = parseFlags(args[i]);
    flags = [...f.system, ...f.keywords];
    i++;
  }
  let date: Date | undefined;
  if (i < args.length - 1) {
    const t = args[i];
    if (t.type !== "string" || t.literal) throw new ParseError("expected a quoted date-time");
    date = parseDateTime(t.value.toString("latin1"));
    i++;
  }
  const msg = args[i];
  // RFC 3501 §9: append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal
  if (i !== args.length - 1 || msg?.type !== "string" || !msg.literal)
    throw new ParseError("expected the message as a literal");
  return { mailbox, flags, date, message: msg.value };
}

export const append = defineCommand({
  name: "APPEND",
  states: AUTHENTICATED,
  expungeAllowed: true,
  parse,
  async run(session, a) {
    if (!a.message.length) return no("Refusing to save an empty message", "CANNOT");
    const r = await session.store.append(a.mailbox, a.message, { flags: a.flags, internalDate: a.date });
    return ok("APPEND completed", `APPENDUID ${r.uidValidity} ${r.uid}`);
  },
});
