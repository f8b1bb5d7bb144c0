// A gateway in its own process, started the way `npm start` starts it, so a
// test can kill -9 it and start it again on the same database and data
// directory.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gatewayCommand } from "../../scripts/gateway-process.ts";
import { databaseUrl, TEST_SECRET_KEY } from "./db.ts";
import { eventually, freePort } from "./ports.ts";

export interface GatewayProcess {
  ports: { imap: number; imaps: number; smtp: number; smtps: number; http: number };
  dataDir: string;
  output(): string;
  /** SIGKILL: no shutdown code runs. */
  kill9(): Promise<void>;
  /** Start again on the same ports, database and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function spawnGateway(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "postern-gwp-"));
  await writeFile(path.join(dataDir, "secret.key"), `${TEST_SECRET_KEY}\n`, { mode: 0o600 });
  const ports = {
    imap: await freePort(),
    imaps: await freePort(),
    smtp: await freePort(),
    smtps: await freePort(),
    http: await freePort(),
  };
  const { command, args } = await gatewayCommand();
  let child: ChildProcess | null = null;
  let out = "";
  const launch = async () => {
    child = spawn(command, args, {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl(),
        POSTERN_DATA_DIR: dataDir,
        POSTERN_BIND: "127.0.0.1",
        POSTERN_PUBLIC_HOST: "mail.postern.test",
        IMAP_PORT: String(ports.imap),
        IMAPS_PORT: String(ports.imaps),
        SMTP_PORT: String(ports.smtp),
        SMTPS_PORT: String(ports.smtps),
        GATEWAY_HTTP_PORT: String(ports.http),
        LOG_LEVEL: "warn",
        // The outbox worker only where a test asks for it (see test/helpers/gateway.ts).
        POSTERN_OUTBOX: "false",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => (out = (out + d).slice(-20_000)));
    child.stderr?.on("data", (d) => (out = (out + d).slice(-20_000)));
    await eventually(
      async () => {
        if (child?.exitCode !== null) throw new Error(`gateway exited:\n${out}`);
        return (await fetch(`http://127.0.0.1:${ports.http}/readyz`)).ok;
      },
      30_000,
      "the gateway to be ready",
    );
  };
  const exited = (c: ChildProcess) =>
    new Promise<void>((resolve) =>
      c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve()),
    );
  await launch();
  return {
    ports,
    dataDir,
    output: () => out,
    async kill9() {
      const c = child as ChildProcess | null;
      if (!c) return;
      c.kill("SIGKILL");
      await exited(c);
      child = null;
    },
    async restart() {
      if (!child) await launch();
    },
    async stop() {
      const c = child as ChildProcess | null;
      if (!c) return;
      c.kill("SIGTERM");
      await exited(c);
      child = null;
    },
  };
}
