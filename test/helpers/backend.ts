// A mailbox whose mail lives at a real Dovecot (test/helpers/dovecot.ts),
// provisioned the way an admin would: tenant, IMAP or POP3 backend, mailbox
// with the backend login, device for the phone. And what the backend really
// holds: a client straight to Dovecot's IMAP, poplib at its POP3.
import { addBackend, addDevice, addMailbox, createTenant } from "@postern/db/provisioning";
import { uniqueSuffix } from "@postern/db/seed";
import { ImapFlow } from "imapflow";
import { testContext, testPrisma } from "./db.ts";
import type { Dovecot } from "./dovecot.ts";
import { eventually } from "./ports.ts";
import { python } from "./python.ts";

export interface BackedMailbox {
  mailboxId: string;
  address: string;
  /** The device app password (phone → Postern). */
  password: string;
  /** The backend login (Postern → Dovecot, and a direct client). */
  backendUser: string;
  backendPassword: string;
}

export async function imapBackedMailbox(
  dovecot: Dovecot,
  user: { user: string; password: string },
  opts: { pollIntervalSeconds?: number; security?: "starttls" | "tls" | "none" } = {},
): Promise<BackedMailbox> {
  const ctx = testContext();
  const s = uniqueSuffix();
  const tenant = await createTenant(ctx, { name: `Sync ${s}`, slug: `sync-${s}`, domains: [`sync-${s}.example`] });
  const security = opts.security ?? "starttls";
  const backend = await addBackend(ctx, {
    tenantId: tenant.id,
    kind: "imap",
    host: "127.0.0.1",
    port: security === "tls" ? dovecot.imapsPort : dovecot.imapPort,
    security,
    options: { tlsCa: dovecot.certPem, pollIntervalSeconds: opts.pollIntervalSeconds ?? 1 },
  });
  const address = `${user.user}@sync-${s}.example`;
  const mailbox = await addMailbox(ctx, {
    tenantId: tenant.id,
    backendId: backend.id,
    address,
    login: user.user,
    password: user.password,
  });
  const { password } = await addDevice(ctx, { mailbox: address, name: "Phone" });
  return { mailboxId: mailbox.id, address, password, backendUser: user.user, backendPassword: user.password };
}

/** Wait until the mailbox's first sync with its backend has finished. */
export async function synced(mailboxId: string, timeoutMs = 20_000, since = 0): Promise<void> {
  await eventually(
    async () => {
      const m = await testPrisma().mailbox.findUnique({ where: { id: mailboxId } });
      if (m?.syncState === "needs_attention" || (m?.syncState === "error" && m.lastError)) {
        throw new Error(`sync failed: ${m.lastError}`);
      }
      return m?.syncState === "idle" && m.lastSyncAt !== null && m.lastSyncAt.getTime() >= since;
    },
    timeoutMs,
    "the mailbox's sync",
  );
}

/** A client connected straight to Dovecot: another device changing mail at the backend. */
export async function direct(dovecot: Dovecot, user: { user: string; password: string }): Promise<ImapFlow> {
  const c = new ImapFlow({
    host: "127.0.0.1",
    port: dovecot.imapPort,
    secure: false,
    auth: { user: user.user, pass: user.password },
    tls: { ca: [dovecot.certPem], servername: "localhost" },
    logger: false,
    disableAutoIdle: true,
  });
  await c.connect();
  return c;
}

/** A mailbox whose mail comes from a POP3 maildrop at the test Dovecot (or a proxy in front of it). */
export async function pop3BackedMailbox(
  dovecot: Dovecot,
  user: { user: string; password: string },
  /** `security: "none"` lets a fault-injecting proxy read the commands (loopback only). */
  opts: { port?: number; pollIntervalSeconds?: number; leaveOnServer?: boolean; security?: "none" | "starttls" } = {},
): Promise<BackedMailbox> {
  const ctx = testContext();
  const s = uniqueSuffix();
  const tenant = await createTenant(ctx, { name: `POP ${s}`, slug: `pop-${s}`, domains: [`pop-${s}.example`] });
  const backend = await addBackend(ctx, {
    tenantId: tenant.id,
    kind: "pop3",
    host: "127.0.0.1",
    port: opts.port ?? dovecot.pop3Port,
    security: opts.security ?? "starttls",
    options: {
      tlsCa: dovecot.certPem,
      pollIntervalSeconds: opts.pollIntervalSeconds ?? 1,
      pop3LeaveOnServer: opts.leaveOnServer ?? true,
    },
  });
  const address = `${user.user}@pop-${s}.example`;
  const mailbox = await addMailbox(ctx, {
    tenantId: tenant.id,
    backendId: backend.id,
    address,
    login: user.user,
    password: user.password,
  });
  const { password } = await addDevice(ctx, { mailbox: address, name: "Phone" });
  return { mailboxId: mailbox.id, address, password, backendUser: user.user, backendPassword: user.password };
}

/** The Message-IDs (sorted) the POP3 maildrop holds now, read by Python's poplib ("?" for a message without one). */
export async function pop3Ids(dovecot: Dovecot, user: { user: string; password: string }): Promise<string[]> {
  const out = await python(
    `
import poplib, sys, re
p = poplib.POP3("127.0.0.1", int(sys.argv[1]))
p.user(sys.argv[2]); p.pass_(sys.argv[3])
n = p.stat()[0]
for i in range(1, n + 1):
    head = b"\\n".join(p.top(i, 0)[1]).decode("latin1")
    m = re.search(r"^Message-ID:\\s*(\\S+)", head, re.I | re.M)
    print(m.group(1) if m else "?")
p.quit()
`,
    [dovecot.pop3Port, user.user, user.password],
  );
  return out.split("\n").filter(Boolean).sort();
}
