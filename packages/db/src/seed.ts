// Seed functions tests (and demos) use to make a tenant with a mailbox and a
// device in one call, with unique names so tests run in any order.
import { randomBytes } from "node:crypto";
import type { BackendKind } from "./generated/prisma/client.ts";
import { type AddBackendInput, addBackend } from "./provisioning/backends.ts";
import type { ProvisioningContext } from "./provisioning/context.ts";
import { addDevice } from "./provisioning/devices.ts";
import { addMailbox } from "./provisioning/mailboxes.ts";
import { createTenant } from "./provisioning/tenants.ts";

export function uniqueSuffix(): string {
  return randomBytes(4).toString("hex");
}

export interface SeededMailbox {
  tenant: { id: string; slug: string };
  backendId: string;
  mailboxId: string;
  address: string;
  deviceId: string;
  password: string;
  domain: string;
}

export async function seedMailbox(
  ctx: ProvisioningContext,
  opts: {
    kind?: BackendKind;
    backend?: Omit<AddBackendInput, "tenantId" | "kind">;
    local?: string;
    login?: string;
    backendPassword?: string;
  } = {},
): Promise<SeededMailbox> {
  const suffix = uniqueSuffix();
  const domain = `t${suffix}.example`;
  const tenant = await createTenant(ctx, { name: `Test ${suffix}`, slug: `t-${suffix}`, domains: [domain] });
  const backend = await addBackend(ctx, { tenantId: tenant.id, kind: opts.kind ?? "hosted", ...opts.backend });
  const address = `${opts.local ?? "user"}@${domain}`;
  const mailbox = await addMailbox(ctx, {
    tenantId: tenant.id,
    backendId: backend.id,
    address,
    login: opts.login,
    password: opts.backendPassword,
  });
  const { device, password } = await addDevice(ctx, { mailbox: address, name: "Test phone" });
  return {
    tenant: { id: tenant.id, slug: tenant.slug },
    backendId: backend.id,
    mailboxId: mailbox.id,
    address,
    deviceId: device.id,
    password,
    domain,
  };
}
