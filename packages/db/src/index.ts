// The client and the generated types. Process-level concerns (embedded
// PostgreSQL, migrations) are in "@postern/db/database" so the portal bundle
// does not pull them in.
export { createPrisma, OMIT_SECRETS, type Prisma } from "./client.ts";
export * from "./generated/prisma/client.ts";
