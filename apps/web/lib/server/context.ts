// The provisioning context for one portal request: the shared Prisma client,
// the installation's keyring (the same key as the gateway: POSTERN_SECRET_KEY
// or <POSTERN_DATA_DIR>/secret.key) and who is acting, for the audit log.
import "server-only";
import path from "node:path";
import type { ProvisioningContext } from "@postern/db/provisioning";
import { type Keyring, loadKeyring } from "@postern/db/secrets";
import { db } from "@/lib/db";

const globalForKeys = globalThis as unknown as { posternKeyring?: Promise<Keyring> };

export function keyring(): Promise<Keyring> {
  // Resolved like @postern/db/config's dataDir(), which Turbopack would trace the whole project for.
  const dir = path.resolve(/*turbopackIgnore: true*/ process.env.POSTERN_DATA_DIR || ".data");
  globalForKeys.posternKeyring ??= loadKeyring({ dataDir: dir });
  return globalForKeys.posternKeyring;
}

export async function provisioningContext(actor: string, ip?: string): Promise<ProvisioningContext> {
  return { prisma: db(), keyring: await keyring(), actor, ip };
}
