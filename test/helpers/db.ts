// Test access to the run's database (see test/setup/global.ts).
import { createPrisma, type Prisma } from "@postern/db";
import type { ProvisioningContext } from "@postern/db/provisioning";
import { Keyring } from "@postern/db/secrets";
import { inject } from "vitest";
import "./provided.ts";

let prisma: Prisma | null = null;
/**
 * The secret key tests encrypt backend passwords with, the same in every
 * test file of a run (test/setup/global.ts): test gateways share one
 * database, and any of them may be the one that syncs a mailbox.
 */
export const TEST_SECRET_KEY = inject("secretKey");
const keyring = new Keyring([Buffer.from(TEST_SECRET_KEY, "base64")]);

export function databaseUrl(): string {
  return inject("databaseUrl");
}

export function testPrisma(): Prisma {
  prisma ??= createPrisma(databaseUrl(), { poolSize: 4 });
  return prisma;
}

export function testContext(overrides: Partial<ProvisioningContext> = {}): ProvisioningContext {
  return { prisma: testPrisma(), keyring, actor: "test", ...overrides };
}
