// The Prisma client factory. Secret columns are omitted from every result
// unless a query asks for them by name (`omit: { secretCipher: false }`), so a
// secret cannot leak through a `findMany` that was meant for a list page.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export const OMIT_SECRETS = {
  backend: { secretCipher: true },
  mailbox: { secretCipher: true },
  user: { passwordHash: true },
  device: { passwordHash: true },
} as const;

export function createPrisma(url: string, opts: { poolSize?: number } = {}) {
  const adapter = new PrismaPg({ connectionString: url, max: opts.poolSize ?? 10 });
  return new PrismaClient({ adapter, omit: OMIT_SECRETS });
}

export type Prisma = ReturnType<typeof createPrisma>;
