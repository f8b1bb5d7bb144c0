// The multi-line listings of LIST and UIDL (RFC 1939 §5, §7): one
// "msg-number SP value" per line. Anything else is a broken server, and a
// listing that cannot be trusted is not used at all.
import { storeError } from "./errors.ts";

export interface UidlEntry {
  /** The message number in this session. */
  n: number;
  /** The unique-id: stable across sessions (RFC 1939 §7: 1 to 70 characters in 0x21-0x7E). */
  uid: string;
}

/** Lines of a listing as (message number, value), in the server's order. */
export function parseListing(data: Buffer, label: string, where: string): Array<{ n: number; value: string }> {
  const out: Array<{ n: number; value: string }> = [];
  const text = data.toString("latin1");
  for (const line of text.split("\r\n")) {
    if (line === "") continue;
    // RFC 1939 §7 limits a unique-id to 0x21-0x7E; RFC 2449 §6.8 servers send exactly one per line.
    const m = /^([1-9]\d{0,9}) ([\x21-\x7e]+)$/.exec(line);
    if (!m) throw storeError("unavailable", `${where} ${label}: unreadable line ${JSON.stringify(line.slice(0, 80))}`);
    out.push({ n: Number(m[1]), value: m[2] });
  }
  return out;
}
