// The portal's database handle: one Prisma client per server process.
import "server-only";
import { createPrisma, type Prisma } from "@postern/db";

const globalForDb = globalThis as unknown as { posternPrisma?: Prisma };

export function db(): Prisma {
  if (!globalForDb.posternPrisma) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set; start the portal with `npm start` at the repository root");
    globalForDb.posternPrisma = createPrisma(url, { poolSize: 5 });
  }
  return globalForDb.posternPrisma;
}
