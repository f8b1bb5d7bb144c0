// Test access to the run's database (see test/setup/global.ts).
import { createPrisma, type Prisma } from "@postern/db";
import type { ProvisioningContext } from "@postern/db/provisioning";
import { Keyring, newKey } from "@postern/db/secrets";
import { inject } from "vitest";
import "./provided.ts";

let prisma: Prisma | null = null;
const keyring = new Keyring([Buffer.from(newKey(), "base64")]);

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
