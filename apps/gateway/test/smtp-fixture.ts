// Shared by the smtp-*.test.ts files: phones (Python's smtplib, swaks),
// senders provisioned the way an admin would, the outbox settings every
// SMTP test gateway uses, and a look at the outbox table.
import { execFile } from "node:child_process";
import { seedMailbox, uniqueSuffix } from "@postern/db/seed";
import { testContext, testPrisma } from "../../../test/helpers/db.ts";
import type { Postfix } from "../../../test/helpers/postfix.ts";
import { python } from "../../../test/helpers/python.ts";

export { eventually } from "../../../test/helpers/ports.ts";

/**
 * The outbox worker on, retrying fast. Every SMTP test gateway uses the same
 * schedule: the gateways of a run share one database, and any worker may
 * send any queued message.
 */
export const OUTBOX_TEST_ENV: Record<string, string> = {
  POSTERN_OUTBOX: "true",
  POSTERN_OUTBOX_BACKOFF_SECONDS: "1",
  POSTERN_OUTBOX_BACKOFF_MAX_SECONDS: "2",
  POSTERN_OUTBOX_LEASE_SECONDS: "10",
};

export interface Sender {
  mailboxId: string;
  backendId: string;
  deviceId: string;
  address: string;
  password: string;
  domain: string;
}

/** A hosted mailbox (its INBOX and Sent live in Postern) that relays through `relay` when given. */
export async function hostedSender(
  opts: {
    relay?: Pick<Postfix, "port" | "certPem">;
    aliases?: string[];
    options?: Record<string, unknown>;
    relayLogin?: { user: string; password: string };
  } = {},
): Promise<Sender> {
  const ctx = testContext();
  const m = await seedMailbox(ctx, {
    local: "alice",
    backend: {
      ...(opts.relay ? { smtpHost: "127.0.0.1", smtpPort: opts.relay.port, smtpSecurity: "starttls" as const } : {}),
      ...(opts.relayLogin ? { smtpUser: opts.relayLogin.user, secret: opts.relayLogin.password } : {}),
      options: { ...(opts.relay ? { tlsCa: opts.relay.certPem } : {}), ...opts.options },
    },
  });
  if (opts.aliases?.length) {
    await testPrisma().mailbox.update({
      where: { id: m.mailboxId },
      data: { aliases: opts.aliases.map((a) => a.replace("@DOMAIN", `@${m.domain}`)) },
    });
  }
  return {
    mailboxId: m.mailboxId,
    backendId: m.backendId,
    deviceId: m.deviceId,
    address: m.address,
    password: m.password,
    domain: m.domain,
  };
}

/** Point an existing mailbox's backend at a relay (the backend's IMAP CA must be the relay's CA too). */
export async function useRelay(mailboxId: string, relay: Pick<Postfix, "port">, options: Record<string, unknown> = {}) {
  const m = await testPrisma().mailbox.findUniqueOrThrow({ where: { id: mailboxId }, include: { backend: true } });
  await testPrisma().backend.update({
    where: { id: m.backendId },
    data: {
      smtpHost: "127.0.0.1",
      smtpPort: relay.port,
      smtpSecurity: "starttls",
      options: { ...(m.backend.options as Record<string, string>), ...(options as Record<string, string>) },
    },
  });
}

export function outboxRows(mailboxId: string) {
  return testPrisma().outboundMessage.findMany({ where: { mailboxId }, orderBy: { createdAt: "asc" } });
}

export function blobOf(id: string): Promise<Buffer> {
  return testPrisma()
    .blob.findUniqueOrThrow({ where: { id } })
    .then((b) => Buffer.from(b.data));
}

/** A small message with CRLF line ends. */
export function mail(o: {
  from: string;
  to: string;
  subject?: string;
  bcc?: string;
  cc?: string;
  sender?: string;
  body?: string;
  messageId?: string;
  extraHeaders?: string[];
}): string {
  return [
    `From: ${o.from}`,
    `To: ${o.to}`,
    ...(o.cc ? [`Cc: ${o.cc}`] : []),
    ...(o.bcc ? [`Bcc: ${o.bcc}`] : []),
    ...(o.sender ? [`Sender: ${o.sender}`] : []),
    `Subject: ${o.subject ?? `Hello ${uniqueSuffix()}`}`,
    `Message-ID: ${o.messageId ?? `<${uniqueSuffix()}${uniqueSuffix()}@phone.example>`}`,
    "Date: Thu, 26 Nov 2026 10:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    ...(o.extraHeaders ?? []),
    "",
    o.body ?? "Hi,\r\nsee you soon.\r\n",
  ].join("\r\n");
}

export type Reply = [number, string];

export interface PhoneSpec {
  port: number;
  /** "starttls": plain connection upgraded with STARTTLS; "tls": implicit TLS (RFC 8314). */
  mode: "starttls" | "tls" | "plain";
  ca: string;
  steps: Array<
    | ["ehlo"]
    | ["starttls"]
    | ["login", string, string]
    | ["mail", string, string[]?]
    | ["rcpt", string]
    | ["data", string]
    | ["cmd", string]
    | ["sendmail", string, string[], string]
    | ["quit"]
  >;
}

// Python's smtplib as the phone: each step's reply as [code, text]; an
// exception that carries a reply (refused AUTH, refused sendmail) is its reply.
const PHONE = `
import json, smtplib, ssl, sys
spec = json.loads(sys.argv[1])
ctx = ssl.create_default_context(cadata=spec["ca"])
port = spec["port"]
s = smtplib.SMTP_SSL("127.0.0.1", port, context=ctx, local_hostname="phone.example", timeout=20) if spec["mode"] == "tls" else smtplib.SMTP("127.0.0.1", port, local_hostname="phone.example", timeout=20)
out = []
def dec(b): return b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)
for step in spec["steps"]:
    k = step[0]
    try:
        if k == "ehlo": r = s.ehlo("phone.example")
        elif k == "starttls": r = s.starttls(context=ctx)
        elif k == "login": r = s.login(step[1], step[2])
        elif k == "mail": r = s.mail(step[1], step[2] if len(step) > 2 and step[2] else [])
        elif k == "rcpt": r = s.rcpt(step[1])
        elif k == "data": r = s.data(step[1].encode("utf-8"))
        elif k == "cmd": r = s.docmd(step[1])
        elif k == "sendmail":
            refused = s.sendmail(step[1], step[2], step[3].encode("utf-8"))
            r = (250, json.dumps(refused))
        elif k == "quit": r = s.quit()
        out.append([r[0], dec(r[1])])
    except smtplib.SMTPRecipientsRefused as e:
        code, msg = list(e.recipients.values())[0]
        out.append([code, dec(msg)])
    except smtplib.SMTPResponseException as e:
        out.append([e.smtp_code, dec(e.smtp_error)])
    except smtplib.SMTPServerDisconnected as e:
        out.append([0, "disconnected: " + str(e)])
        break
print(json.dumps(out))
`;

export async function phone(spec: PhoneSpec): Promise<Reply[]> {
  return JSON.parse(await python(PHONE, [JSON.stringify(spec)], 60_000));
}

/** swaks as the phone: exit code and its transcript. */
export function swaks(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile("swaks", args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    ),
  );
}

/** The reply to the last step, as "code text". */
export const last = (replies: Reply[]) => replies[replies.length - 1];
