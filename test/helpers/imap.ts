// Phones in tests: imapflow (a real client nobody here wrote), connected to a
// test gateway with a seeded mailbox.
import { ImapFlow } from "imapflow";
import type { Gateway } from "../../apps/gateway/src/gateway.ts";

export interface Account {
  address: string;
  password: string;
}

export async function imapflow(
  gw: Gateway,
  acct: Account,
  opts: { secure?: boolean; qresync?: boolean } = {},
): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: "127.0.0.1",
    port: opts.secure ? gw.ports.imaps : gw.ports.imap,
    secure: Boolean(opts.secure),
    doSTARTTLS: opts.secure ? undefined : true,
    tls: { ca: [gw.tls.cert], servername: "localhost" },
    auth: { user: acct.address, pass: acct.password },
    logger: false,
    qresync: opts.qresync,
    disableAutoIdle: true,
    connectionTimeout: 10_000,
  });
  await client.connect();
  return client;
}

/** A small RFC 5322 message. */
export function message(
  opts: { from?: string; to?: string; subject?: string; body?: string; date?: Date; messageId?: string } = {},
): Buffer {
  const lines = [
    `From: ${opts.from ?? "Alice <alice@example.net>"}`,
    `To: ${opts.to ?? "Bob <bob@example.net>"}`,
    `Subject: ${opts.subject ?? "Hello"}`,
    `Date: ${(opts.date ?? new Date("2026-11-20T10:00:00Z")).toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: ${opts.messageId ?? `<${Math.random().toString(36).slice(2)}@example.net>`}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    opts.body ?? "Hi Bob,\r\nsee you soon.\r\n",
  ];
  return Buffer.from(lines.join("\r\n"));
}
