// Opening Postern's database: DATABASE_URL when set, otherwise the embedded
// PostgreSQL under the data directory — the one a running server already
// started, or a fresh start of it.
import { embeddedUrl, findRunningEmbedded, startEmbedded } from "./embedded.ts";
import { migrate } from "./migrate.ts";

export interface OpenedDatabase {
  url: string;
  /** "external" (DATABASE_URL), "embedded" (started here) or "shared" (another process's embedded server). */
  mode: "external" | "embedded" | "shared";
  /** Migrations applied by this open. */
  applied: string[];
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Apply pending migrations (the supervisor does; tools that only read need not). */
  migrate?: boolean;
  /** Reuse an embedded server another process started on this data directory. */
  shareRunning?: boolean;
  log?: (line: string) => void;
  port?: number;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const env = opts.env ?? process.env;
  let url: string;
  let mode: OpenedDatabase["mode"];
  let close = async () => {};
  if (env.DATABASE_URL) {
    url = env.DATABASE_URL;
    mode = "external";
  } else {
    const running = opts.shareRunning === false ? null : await findRunningEmbedded(opts.dataDir);
    if (running) {
      url = embeddedUrl(running);
      mode = "shared";
    } else {
      const port = opts.port ?? (env.POSTERN_DB_PORT ? Number(env.POSTERN_DB_PORT) : undefined);
      const db = await startEmbedded({ dataDir: opts.dataDir, port, log: opts.log });
      url = db.url;
      mode = "embedded";
      close = () => db.stop();
    }
  }
  let applied: string[] = [];
  if (opts.migrate) {
    try {
      applied = (await migrate(url)).applied;
    } catch (err) {
      await close();
      throw err;
    }
  }
  return { url, mode, applied, close };
}

/** The URL with its password masked, for logs and `postern status`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "****";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

export { dataDir } from "./config.ts";
export { migrate } from "./migrate.ts";
