// Applies prisma/migrations/*/migration.sql in order, recording each in
// Prisma's own `_prisma_migrations` table (same columns, SHA-256 checksum), so
// `prisma migrate status` and `prisma migrate deploy` agree with it. Prisma's
// wasm engine lingers ~10 s after every deploy; this takes milliseconds, which
// matters at every start and in every test run. An advisory lock makes
// concurrent starts (two gateway replicas) safe.
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/**
 * prisma/migrations next to this module's source; when this module is
 * bundled into the gateway (apps/gateway/dist), resolved through the package.
 */
export function migrationsDir(): string {
  const beside = fileURLToPath(new URL("../prisma/migrations", import.meta.url));
  if (existsSync(beside)) return beside;
  return path.join(path.dirname(fileURLToPath(import.meta.resolve("@postern/db/package.json"))), "prisma/migrations");
}
const LOCK_KEY = 0x706f7374; // "post"

export interface MigrationResult {
  applied: string[];
  total: number;
}

export async function migrate(databaseUrl: string, dir = migrationsDir()): Promise<MigrationResult> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const done = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const byName = new Map(done.rows.map((r) => [r.migration_name, r]));
    for (const name of names) {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex");
      const row = byName.get(name);
      if (row?.finished_at) {
        if (row.checksum !== checksum) {
          throw new Error(
            `migration ${name} was changed after it was applied (checksum differs); add a new migration instead`,
          );
        }
        continue;
      }
      if (row) {
        throw new Error(
          `migration ${name} started but did not finish earlier; inspect the database, then mark it rolled back`,
        );
      }
      const id = randomUUID();
      await client.query("BEGIN");
      try {
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
          [id, checksum, name],
        );
        await client.query(sql);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${name} failed: ${(err as Error).message}`);
      }
      applied.push(name);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    await client.end();
  }
  return { applied, total: names.length };
}
