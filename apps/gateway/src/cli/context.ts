// What every CLI command gets: the database (the running server's embedded
// one, DATABASE_URL, or an embedded start of its own), the keyring and the
// output mode.
import { createPrisma } from "@postern/db";
import { dataDir } from "@postern/db/config";
import { type OpenedDatabase, openDatabase } from "@postern/db/database";
import type { ProvisioningContext } from "@postern/db/provisioning";
import { loadKeyring } from "@postern/db/secrets";

export interface CliContext {
  json: boolean;
  db: OpenedDatabase;
  prov: ProvisioningContext;
  dataDir: string;
  /** Print a result: the JSON value with --json, otherwise the human text. */
  out(value: unknown, human: () => string): void;
  close(): Promise<void>;
}

export async function openCliContext(opts: { json: boolean }): Promise<CliContext> {
  const dir = dataDir();
  const db = await openDatabase({ dataDir: dir, migrate: true, shareRunning: true });
  const prisma = createPrisma(db.url, { poolSize: 2 });
  const keyring = await loadKeyring({ dataDir: dir });
  return {
    json: opts.json,
    db,
    dataDir: dir,
    prov: { prisma, keyring, actor: "cli" },
    out(value, human) {
      process.stdout.write(opts.json ? `${JSON.stringify(value, jsonReplacer, 2)}\n` : `${human()}\n`);
    },
    async close() {
      await prisma.$disconnect().catch(() => {});
      await db.close();
    },
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? Number(value) : value;
}

/** A plain-text table. */
export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (!rows.length) return "(none)";
  const cell = (v: unknown) =>
    v == null ? "-" : v instanceof Date ? v.toISOString().replace(/\.\d+Z$/, "Z") : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join(
    "\n",
  );
}
