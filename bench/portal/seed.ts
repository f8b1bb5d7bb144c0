// One tenant the size of a busy customer: 1,000 mailboxes (an INBOX with 20
// messages each), 5,000 devices, a few thousand audit events — inserted in
// bulk SQL, since only the portal's reading of them is measured.

import { hashPassword } from "@postern/db/passwords";
import type { ProvisioningContext } from "@postern/db/provisioning";
import { addBackend, signup } from "@postern/db/provisioning";

export const OWNER = { email: "owner@bench.example", password: "bench password 1234" };

export interface Seeded {
  slug: string;
  tenantId: string;
  mailboxId: string;
  deviceId: string;
  backendId: string;
}

export async function seed(
  ctx: ProvisioningContext,
  opts: { mailboxes: number; devices: number; messagesPerMailbox: number },
): Promise<Seeded> {
  const { tenant } = await signup(ctx, { businessName: "Bench Corp", email: OWNER.email, password: OWNER.password });
  const backend = await addBackend(ctx, {
    tenantId: tenant.id,
    kind: "imap",
    host: "imap.bench.example",
    smtpHost: "smtp.bench.example",
    secret: "relay",
  });
  const p = ctx.prisma;
  await p.$executeRaw`INSERT INTO tenant_domain (domain, tenant_id) VALUES ('bench.example', ${tenant.id}::uuid)`;
  await p.$executeRaw`
    INSERT INTO mailbox (id, tenant_id, backend_id, address, display_name, login, sync_state, last_sync_at, updated_at)
    SELECT gen_random_uuid(), ${tenant.id}::uuid, ${backend.id}::uuid, 'user' || lpad(i::text, 5, '0') || '@bench.example',
           'User ' || i, 'user' || i,
           (CASE WHEN i % 100 = 0 THEN 'needs_attention' WHEN i % 37 = 0 THEN 'syncing' ELSE 'idle' END)::"SyncState",
           now() - (i || ' seconds')::interval, now()
    FROM generate_series(1, ${opts.mailboxes}) i`;
  await p.$executeRaw`UPDATE mailbox SET last_error = 'The mail server rejected the stored password — update it' WHERE tenant_id = ${tenant.id}::uuid AND sync_state = 'needs_attention'`;
  await p.$executeRaw`
    INSERT INTO folder (mailbox_id, name, uid_validity, uid_next, subscribed)
    SELECT m.id, f.name, nextval('uid_validity_seq'), ${opts.messagesPerMailbox + 1}, true
    FROM mailbox m CROSS JOIN (VALUES ('INBOX'), ('Sent'), ('Archive')) AS f(name) WHERE m.tenant_id = ${tenant.id}::uuid`;
  await p.$executeRaw`
    INSERT INTO message (folder_id, uid, modseq, internal_date, size, seen)
    SELECT f.id, u, u, now(), 2048, u % 3 = 0
    FROM folder f JOIN mailbox m ON m.id = f.mailbox_id CROSS JOIN generate_series(1, ${opts.messagesPerMailbox}) u
    WHERE m.tenant_id = ${tenant.id}::uuid AND f.name = 'INBOX'`;
  const hash = await hashPassword("not-a-real-password");
  await p.$executeRaw`
    INSERT INTO device (id, tenant_id, mailbox_id, name, platform, password_hash, created_at, last_seen_at, last_client)
    SELECT gen_random_uuid(), ${tenant.id}::uuid, m.id, 'Phone ' || d || ' of ' || m.display_name,
           (ARRAY['ios','android','other'])[1 + d % 3], ${hash}, now() - (d || ' minutes')::interval,
           CASE WHEN d % 4 = 0 THEN NULL ELSE now() - (d || ' seconds')::interval END, 'Mail/3826.400'
    FROM (SELECT id, display_name, row_number() OVER (ORDER BY address) AS n FROM mailbox WHERE tenant_id = ${tenant.id}::uuid) m
    CROSS JOIN generate_series(1, ${Math.ceil(opts.devices / opts.mailboxes)}) d
    WHERE (m.n - 1) * ${Math.ceil(opts.devices / opts.mailboxes)} + d <= ${opts.devices}`;
  await p.$executeRaw`
    INSERT INTO audit_event (tenant_id, actor, action, target, data, created_at)
    SELECT ${tenant.id}::uuid, 'cli', 'device.add', d.id::text, '{"name":"phone"}'::jsonb, d.created_at FROM device d WHERE d.tenant_id = ${tenant.id}::uuid`;
  const mailbox = await p.mailbox.findFirstOrThrow({ where: { tenantId: tenant.id }, orderBy: { address: "asc" } });
  const device = await p.device.findFirstOrThrow({ where: { mailboxId: mailbox.id } });
  return { slug: tenant.slug, tenantId: tenant.id, mailboxId: mailbox.id, deviceId: device.id, backendId: backend.id };
}
