// Author a migration from the schema change since the last one:
//   pnpm --filter @postern/db exec tsx scripts/new-migration.ts add_something
// `prisma migrate dev` crashes with the wasm engine and `migrate diff
// --from-migrations` crashes introspecting PostgreSQL 18, so each migration
// keeps the datamodel it produced (prisma/migrations/schema.snapshot.prisma)
// and the next one is the diff from that snapshot to the current schema.
// test/schema.test.ts fails while the schema has changes no migration holds.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: new-migration.ts <name in snake_case>");
  process.exit(2);
}
export function currentDatamodel(): string {
  const dir = path.join(root, "prisma/schema");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".prisma"))
    .sort()
    .map((f) => `// ---- ${f}\n${readFileSync(path.join(dir, f), "utf8")}`)
    .join("\n");
}
if (!process.env.DATABASE_URL) {
  // The wasm schema engine connects through the adapter even for a pure diff.
  console.error("set DATABASE_URL to any reachable PostgreSQL (the diff itself touches no data)");
  process.exit(2);
}
const snapshot = path.join(root, "prisma/migrations/schema.snapshot.prisma");
const current = path.join(root, "prisma/.current.prisma");
writeFileSync(current, currentDatamodel());
const sql = execFileSync(
  "npx",
  ["prisma", "migrate", "diff", "--from-schema-datamodel", snapshot, "--to-schema-datamodel", current, "--script"],
  { cwd: root, encoding: "utf8" },
);
// The CLI prints its config banner on stdout; it is not SQL.
const script = sql
  .split("\n")
  .filter((l) => !l.startsWith("Loaded Prisma config"))
  .join("\n");
if (!script.trim() || /This is an empty migration/.test(script)) {
  console.error("no schema changes since the last migration");
  process.exit(1);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = path.join(root, "prisma/migrations", `${stamp}_${name}`);
mkdirSync(dir);
writeFileSync(path.join(dir, "migration.sql"), script);
writeFileSync(snapshot, readFileSync(current, "utf8"));
console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
