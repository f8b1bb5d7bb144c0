// Shared by the backend-imap-*.test.ts files: a private Dovecot as the
// backend, the driver's account for one of its users, and a second client
// (imapflow straight to Dovecot) that plays "another device" and checks what
// the driver did.
import type { BodyStructure } from "@postern/protocol";
import { ImapFlow } from "imapflow";
import { decodeEncodedWords } from "../../../packages/protocol/src/mime/headers.ts";
import { type Dovecot, type DovecotOptions, startDovecot } from "../../../test/helpers/dovecot.ts";
import type { BackendAccount } from "../src/backends/types.ts";

export { eventually } from "../../../test/helpers/ports.ts";

/** What Dovecot 2.3.19 advertises after login (SPECIAL-USE only when a mailbox has special_use set). */
const FULL_CAPABILITIES = [
  "IMAP4rev1",
  "SASL-IR",
  "LOGIN-REFERRALS",
  "ID",
  "ENABLE",
  "IDLE",
  "SORT",
  "SORT=DISPLAY",
  "THREAD=REFERENCES",
  "THREAD=REFS",
  "THREAD=ORDEREDSUBJECT",
  "MULTIAPPEND",
  "URL-PARTIAL",
  "CATENATE",
  "UNSELECT",
  "CHILDREN",
  "NAMESPACE",
  "UIDPLUS",
  "LIST-EXTENDED",
  "I18NLEVEL=1",
  "CONDSTORE",
  "QRESYNC",
  "ESEARCH",
  "ESORT",
  "SEARCHRES",
  "WITHIN",
  "CONTEXT=SEARCH",
  "LIST-STATUS",
  "BINARY",
  "MOVE",
  "SNIPPET=FUZZY",
  "PREVIEW=FUZZY",
  "PREVIEW",
  "STATUS=SIZE",
  "SAVEDATE",
  "LITERAL+",
  "NOTIFY",
];

/**
 * Dovecot config that hides capabilities (imap_capability replaces the list
 * it advertises, and imapflow goes by the list), to drive the driver down
 * its fallbacks: no QRESYNC, no CONDSTORE, no MOVE, no UIDPLUS, no IDLE.
 */
export function without(...caps: string[]): string {
  const list = FULL_CAPABILITIES.filter((c) => !caps.includes(c)).join(" ");
  return `protocol imap {\n  imap_capability = ${list}\n}\n`;
}

export function startBackend(users: string[], opts: Omit<DovecotOptions, "users"> = {}): Promise<Dovecot> {
  return startDovecot({ pop3: false, ...opts, users: users.map((user) => ({ user, password: `${user}-pass` })) });
}

export function account(dc: Dovecot, user: string, over: Partial<BackendAccount> = {}): BackendAccount {
  return {
    mailboxId: `test-${user}`,
    address: `${user}@example.test`,
    kind: "imap",
    host: "127.0.0.1",
    port: dc.imapPort,
    security: "starttls",
    login: user,
    password: `${user}-pass`,
    options: {},
    ca: dc.certPem,
    ...over,
  };
}

/** Another client of the same Dovecot user, straight to the server. */
export async function direct(dc: Dovecot, user: string): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: "127.0.0.1",
    port: dc.imapPort,
    secure: false,
    doSTARTTLS: true,
    tls: { ca: [dc.certPem] },
    auth: { user, pass: `${user}-pass` },
    logger: false,
    disableAutoIdle: true,
    qresync: true,
  });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** A small message with CRLF line ends (as Dovecot hands it back), a unique Message-ID unless given. */
export function mail(opts: { subject?: string; messageId?: string; body?: string; extra?: string[] } = {}): Buffer {
  const id = opts.messageId ?? `<${Math.random().toString(36).slice(2)}@example.test>`;
  return Buffer.from(
    [
      "From: Sender <sender@example.test>",
      "To: Someone <someone@example.test>",
      `Subject: ${opts.subject ?? "Hello"}`,
      "Date: Thu, 26 Nov 2026 10:00:00 +0000",
      `Message-ID: ${id}`,
      ...(opts.extra ?? []),
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      opts.body ?? "Hello there.",
      "",
    ].join("\r\n"),
  );
}

/** A message with an attachment and a forwarded message/rfc822 part that is itself multipart. */
export function richMail(subject: string): Buffer {
  return Buffer.from(
    [
      "From: Dana <dana@example.com>",
      "To: Eli <eli@example.com>",
      `Subject: ${subject}`,
      "Date: Mon, 30 Nov 2026 09:00:00 -0800",
      `Message-ID: <${subject.replace(/\W/g, "")}@example.com>`,
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="outer"',
      "",
      "--outer",
      "Content-Type: text/plain; charset=us-ascii",
      "",
      "See the attached report and the forwarded mail.",
      "--outer",
      'Content-Type: application/pdf; name="report.pdf"',
      "Content-Transfer-Encoding: base64",
      'Content-Disposition: attachment; filename="report.pdf"',
      "Content-Language: en-US",
      "",
      "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK",
      "--outer",
      "Content-Type: message/rfc822",
      'Content-Disposition: attachment; filename="fwd.eml"',
      "Content-Description: Forwarded message",
      "",
      "Date: Fri, 27 Nov 2026 16:20:00 -0800",
      'From: "Finance, Team" <finance@example.com>',
      "To: Dana <dana@example.com>, undisclosed-recipients:;",
      "Subject: =?UTF-8?Q?Quarterly_n=C3=BCmbers?=",
      "Message-ID: <q4@example.com>",
      "In-Reply-To: <q3@example.com>",
      "MIME-Version: 1.0",
      'Content-Type: multipart/alternative; boundary="inner"',
      "",
      "--inner",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Revenue is up 4%.",
      "--inner",
      "Content-Type: text/html; charset=utf-8",
      "",
      "<p>Revenue is up <b>4%</b>.</p>",
      "--inner--",
      "--outer--",
      "",
    ].join("\r\n"),
  );
}

function percentDecode(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const hex = s.slice(i + 1, i + 3);
    if (s[i] === "%" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      out.push(...Buffer.from(s[i], "utf8"));
    }
  }
  return Buffer.from(out);
}

/** A parameter value as a reader sees it: RFC 2231 ext-values and RFC 2047 words decoded. */
function decodeParam(p: { name: string; value: string }): { name: string; value: string } {
  if (!p.name.endsWith("*")) return { name: p.name.toLowerCase(), value: decodeEncodedWords(p.value) };
  const m = /^([^']*)'[^']*'(.*)$/.exec(p.value);
  const charset = (m?.[1] || "us-ascii").toLowerCase();
  const value = new TextDecoder(charset).decode(percentDecode(m?.[2] ?? p.value));
  return { name: p.name.slice(0, -1).toLowerCase(), value };
}

/** What a multipart without parts is sent as (bodystructure.ts EMPTY_PART, as Dovecot does), and what Dovecot's answer converts to. */
const PLACEHOLDER_PART: BodyStructure = {
  kind: "text",
  type: "text",
  subtype: "plain",
  params: [{ name: "charset", value: "us-ascii" }],
  id: null,
  description: null,
  encoding: "7bit",
  size: 0,
  lines: 0,
  md5: null,
  disposition: null,
  language: null,
  location: null,
};

/**
 * What survives imapflow's parse: case-insensitive fields lower-cased,
 * parameters decoded and sorted, and a multipart without parts shown with
 * the placeholder part it is sent with (the same on the wire).
 */
export function meaning(bs: BodyStructure): unknown {
  const params = (ps: Array<{ name: string; value: string }> | null) =>
    ps ? ps.map(decodeParam).sort((a, b) => a.name.localeCompare(b.name)) : null;
  const ext = {
    disposition: bs.disposition
      ? { type: bs.disposition.type.toLowerCase(), params: params(bs.disposition.params) }
      : null,
    language: bs.language?.map((l) => l.toLowerCase()) ?? null,
    location: bs.location,
  };
  if (bs.kind === "multipart") {
    const parts = bs.parts.length ? bs.parts : [PLACEHOLDER_PART];
    return {
      kind: bs.kind,
      subtype: bs.subtype.toLowerCase(),
      params: params(bs.params),
      parts: parts.map(meaning),
      ...ext,
    };
  }
  return {
    ...bs,
    ...ext,
    type: bs.type.toLowerCase(),
    subtype: bs.subtype.toLowerCase(),
    encoding: bs.encoding.toLowerCase(),
    params: params(bs.params),
    md5: bs.md5?.toLowerCase() ?? null,
    ...(bs.kind === "message" ? { body: meaning(bs.body) } : {}),
  };
}
