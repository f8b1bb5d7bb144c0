// The README's start command, for real: the supervisor with the embedded
// database, the built portal and the gateway, on fresh ports and a fresh
// data directory. Ctrl-C (SIGINT) stops everything; a second start keeps
// the data.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, freePort, greeting } from "../helpers/ports.ts";

const root = path.resolve(import.meta.dirname, "../..");
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

async function ports() {
  return {
    WEB_PORT: String(await freePort()),
    IMAP_PORT: String(await freePort()),
    IMAPS_PORT: String(await freePort()),
    SMTP_PORT: String(await freePort()),
    SMTPS_PORT: String(await freePort()),
    GATEWAY_HTTP_PORT: String(await freePort()),
    POSTERN_DB_PORT: String(await freePort()),
  };
}

function baseEnv(dataDir: string, p: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...p, POSTERN_DATA_DIR: dataDir };
  delete env.DATABASE_URL; // the embedded default database is under test
  return env;
}

function start(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  return { child, output: () => out };
}

function cli(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ["--import", "tsx", "apps/gateway/src/cli/main.ts", ...args],
      { cwd: root, env },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (c) => resolve(c)),
  );
}

describe("npm start", () => {
  it("brings up the portal, IMAP, SMTP and health; stops cleanly on Ctrl-C; keeps data across starts", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "postern-start-"));
    const p = await ports();
    const env = baseEnv(dataDir, p);

    const first = start(env);
    await eventually(async () => first.output().includes("Postern is running"), 170_000, `startup:\n${first.output()}`);
    const home = await fetch(`http://127.0.0.1:${p.WEB_PORT}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Your business mail, on every phone.");
    expect(await greeting(Number(p.IMAP_PORT))).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 .*\] Postern ready$/);
    expect(await greeting(Number(p.SMTP_PORT))).toMatch(/^220 /);
    expect((await fetch(`http://127.0.0.1:${p.GATEWAY_HTTP_PORT}/healthz`)).status).toBe(200);

    // The CLI works beside the running server, on its embedded database.
    const tenant = JSON.parse(await cli(env, ["tenant", "create", "--name", "Persistent Co", "--json"]));
    const status = JSON.parse(await cli(env, ["status", "--json"]));
    expect(status.database.mode).toBe("shared");
    expect(status.gateway.ready).toBe(true);
    const pgInfo = JSON.parse(await readFile(path.join(dataDir, "postgres.json"), "utf8"));
    expect(pgInfo.pid).toBeGreaterThan(0);

    first.child.kill("SIGINT");
    expect(await exited(first.child)).toBe(0);
    expect(first.output()).toContain("[postern] stopped");
    // PostgreSQL is down with it: its pid file is gone.
    expect(existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false);

    const second = start(env);
    await eventually(
      async () => second.output().includes("Postern is running"),
      120_000,
      `restart:\n${second.output()}`,
    );
    const tenants = JSON.parse(await cli(env, ["tenant", "list", "--json"]));
    expect(tenants.map((t: { id: string }) => t.id)).toContain(tenant.id);
    second.child.kill("SIGTERM");
    expect(await exited(second.child)).toBe(0);
  }, 400_000);
});
