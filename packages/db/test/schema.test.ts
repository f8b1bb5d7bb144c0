// The schema and the migrations agree: no model change is left without a
// migration (see scripts/new-migration.ts), and the migrations apply.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { databaseUrl } from "../../../test/helpers/db.ts";
import { migrate } from "../src/migrate.ts";

const root = path.resolve(import.meta.dirname, "..");

describe("schema and migrations", () => {
  it("the schema has no changes that no migration holds", () => {
    const sql = execFileSync(
      "node_modules/.bin/prisma",
      [
        "migrate",
        "diff",
        "--from-schema-datamodel",
        "prisma/migrations/schema.snapshot.prisma",
        "--to-schema-datamodel",
        "prisma/schema",
        "--script",
      ],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: databaseUrl() },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    expect(sql).toContain("This is an empty migration");
  }, 60_000);

  it("the snapshot is the concatenation of the schema files", () => {
    const dir = path.join(root, "prisma/schema");
    const current = readdirSync(dir)
      .filter((f) => f.endsWith(".prisma"))
      .sort()
      .map((f) => `// ---- ${f}\n${readFileSync(path.join(dir, f), "utf8")}`)
      .join("\n");
    expect(readFileSync(path.join(root, "prisma/migrations/schema.snapshot.prisma"), "utf8")).toBe(current);
  });

  it("migrating twice is a no-op, and the migrations are recorded the way Prisma records them", async () => {
    const again = await migrate(databaseUrl());
    expect(again.applied).toEqual([]);
    const c = new pg.Client({ connectionString: databaseUrl() });
    await c.connect();
    try {
      const rows = await c.query("SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name");
      expect(rows.rows.length).toBe(again.total);
      expect(rows.rows.every((r) => r.finished_at)).toBe(true);
    } finally {
      await c.end();
    }
  });
});
