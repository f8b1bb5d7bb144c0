// RFC 3501 §7.4.2 ENVELOPE: date, subject, from, sender, reply-to, to, cc,
// bcc, in-reply-to, message-id, taken from the header as sent. The store
// caches it as JSON, so `Envelope` holds plain strings and arrays.
import type { Value } from "../wire/encoder.ts";
import { type Address, forHumans, parseAddressList } from "./address.ts";
import { fieldText, type HeaderField, readHeader, trimStart } from "./fields.ts";
import { type WireNode, wireValue } from "./wire-text.ts";

export type { Address } from "./address.ts";

export interface Envelope {
  date: string | null;
  subject: string | null;
  from: Address[] | null;
  /** Already defaulted to `from` when absent or empty (RFC 3501 §7.4.2). */
  sender: Address[] | null;
  /** Already defaulted to `from` when absent or empty (RFC 3501 §7.4.2). */
  replyTo: Address[] | null;
  to: Address[] | null;
  cc: Address[] | null;
  bcc: Address[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

type AddressKey = "from" | "sender" | "replyTo" | "to" | "cc" | "bcc";

// A Map, not an object literal: a field named "constructor" must not find Object.prototype.
const ADDRESS_FIELDS = new Map<string, AddressKey>([
  ["from", "from"],
  ["sender", "sender"],
  ["reply-to", "replyTo"],
  ["to", "to"],
  ["cc", "cc"],
  ["bcc", "bcc"],
]);

/** ENVELOPE of a header block (a message's or an attached message's). */
export function parseEnvelope(header: Buffer): Envelope {
  return envelopeFromFields(header, readHeader(header, 0).fields);
}

/**
 * ENVELOPE from already scanned fields. Where a field repeats (RFC 5322
 * §3.6 allows one of each), Dovecot's choices are kept: the last
 * Date/Subject/Message-ID/In-Reply-To wins, and repeated address fields
 * add up.
 */
export function envelopeFromFields(raw: Buffer, fields: HeaderField[]): Envelope {
  const env: Envelope = {
    date: null,
    subject: null,
    from: null,
    sender: null,
    replyTo: null,
    to: null,
    cc: null,
    bcc: null,
    inReplyTo: null,
    messageId: null,
  };
  for (const field of fields) {
    if (field.malformed) continue;
    const name = field.name.toLowerCase();
    switch (name) {
      case "date":
        env.date = trimStart(fieldText(raw, field));
        break;
      case "subject":
        // Unfolded and white space squeezed, as Dovecot does; encoded words are left as sent.
        env.subject = forHumans(fieldText(raw, field));
        break;
      case "message-id":
        env.messageId = trimStart(fieldText(raw, field));
        break;
      case "in-reply-to":
        env.inReplyTo = trimStart(fieldText(raw, field));
        break;
      default: {
        const key = ADDRESS_FIELDS.get(name);
        if (!key) break;
        const addresses = parseAddressList(fieldText(raw, field));
        if (addresses.length) env[key] = [...(env[key] ?? []), ...addresses];
      }
    }
  }
  env.sender ??= env.from;
  env.replyTo ??= env.from;
  return env;
}

/** `"(" 1*address ")"`: no space between addresses (RFC 3501 §9 env-from …). */
function addressesNode(addresses: Address[] | null): WireNode {
  if (!addresses || addresses.length === 0) return null;
  return { list: [{ run: addresses.map((a) => ({ list: [a.name, a.adl, a.mailbox, a.host] })) }] };
}

export function envelopeNode(env: Envelope): WireNode {
  return {
    list: [
      env.date,
      env.subject,
      addressesNode(env.from),
      addressesNode(env.sender),
      addressesNode(env.replyTo),
      addressesNode(env.to),
      addressesNode(env.cc),
      addressesNode(env.bcc),
      env.inReplyTo,
      env.messageId,
    ],
  };
}

/** The wire form: `(date subject (from) (sender) (reply-to) (to) (cc) (bcc) in-reply-to message-id)`. */
export function envelopeValue(env: Envelope): Value {
  return wireValue(envelopeNode(env));
}
