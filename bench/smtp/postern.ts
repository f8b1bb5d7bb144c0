// Postern as production runs it, for the SMTP benchmark: an embedded
// PostgreSQL, migrated; a tenant whose hosted backend relays through the
// benchmark's Postfix (STARTTLS, trusting its certificate); one mailbox and
// device per phone; the gateway as a child process started the way
// `npm start` starts it (scripts/gateway-process.ts), with or without its
// outbox worker.
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPrisma } from "@postern/db";
import { migrate } from "@postern/db/database";
import { startEmbedded } from "@postern/db/embedded";
import { addBackend, addDevice, addMailbox, createTenant } from "@postern/db/provisioning";
import { KEY_FILE, Keyring, newKey } from "@postern/db/secrets";
import pg from "pg";
import { gatewayCommand } from "../../scripts/gateway-process.ts";
import { eventually, freePort } from "../../test/helpers/ports.ts";
import type { Postfix } from "../../test/helpers/postfix.ts";

const root = path.resolve(import.meta.dirname, "../..");

export interface Phone {
  address: string;
  password: string;
}

export interface Gateway {
  pid: number;
  smtpsPort: number;
  /** The gateway's certificate (self-signed, generated in its data directory). */
  ca: string;
  stop(): Promise<void>;
}

export interface Postern {
  phones: Phone[];
  pool: pg.Pool;
  startGateway(opts: { outbox: boolean }): Promise<Gateway>;
  details: Record<string, string | number>;
  stop(): Promise<void>;
}

export async function startPostern(opts: { relay: Postfix; phones: number }): Promise<Postern> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "postern-bench-smtp-"));
  // PostgreSQL runs as the `postgres` user when we are root: it must reach its directory.
  await chmod(dir, 0o755);
  const cleanup: Array<() => Promise<unknown>> = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  };
  try {
    const db = await startEmbedded({ dataDir: path.join(dir, "db"), port: 0 });
    cleanup.push(() => db.stop());
    await migrate(db.url);
    const secretKey = newKey();
    const dataDir = path.join(dir, "gateway");
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, KEY_FILE), `${secretKey}\n`, { mode: 0o600 });

    const prisma = createPrisma(db.url);
    const ctx = { prisma, keyring: new Keyring([Buffer.from(secretKey, "base64")]), actor: "bench" };
    const phones: Phone[] = [];
    try {
      const tenant = await createTenant(ctx, { name: "SMTP bench", slug: "smtp-bench", domains: ["smtp.bench"] });
      const backend = await addBackend(ctx, {
        tenantId: tenant.id,
        kind: "hosted",
        smtpHost: "127.0.0.1",
        smtpPort: opts.relay.port,
        smtpSecurity: "starttls",
        // No Sent copies: b times relaying alone (a Sent copy is a local append per message,
        // made beside the relaying in production).
        options: { tlsCa: opts.relay.certPem, relaySavesSent: true },
      });
      // One person per phone: each device's hourly limit (200) applies to its own messages.
      for (let i = 0; i < opts.phones; i++) {
        const address = `phone${i}@smtp.bench`;
        await addMailbox(ctx, { tenantId: tenant.id, backendId: backend.id, address });
        const { password } = await addDevice(ctx, { mailbox: address, name: `Bench phone ${i}` });
        phones.push({ address, password });
      }
    } finally {
      await prisma.$disconnect();
    }
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    cleanup.push(() => pool.end());

    const { command, args } = await gatewayCommand(process.env.BENCH_GATEWAY_NODE_ARGS?.split(" ").filter(Boolean));
    const ports = {
      IMAP_PORT: await freePort(),
      IMAPS_PORT: await freePort(),
      SMTP_PORT: await freePort(),
      SMTPS_PORT: await freePort(),
      GATEWAY_HTTP_PORT: await freePort(),
    };
    return {
      phones,
      pool,
      async startGateway(o) {
        const gw = await launch(command, args, { databaseUrl: db.url, dataDir, ports, outbox: o.outbox });
        cleanup.push(() => gw.stop());
        return gw;
      },
      details: {
        gateway: "apps/gateway/dist/main.mjs under node, as npm start runs it (child process)",
        database: "embedded PostgreSQL 18",
        backend: "hosted, relaying through Postfix with STARTTLS on loopback (5 pooled connections), relaySavesSent",
        phones: `${opts.phones} mailboxes, one device each, AUTH PLAIN over implicit TLS`,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function launch(
  command: string,
  args: string[],
  o: { databaseUrl: string; dataDir: string; ports: Record<string, number>; outbox: boolean },
): Promise<Gateway> {
  // The key must come from the data directory's file, not from our environment.
  const { POSTERN_SECRET_KEY: _unused, ...env } = process.env;
  const child: ChildProcess = spawn(command, args, {
    cwd: root,
    env: {
      ...env,
      ...Object.fromEntries(Object.entries(o.ports).map(([k, v]) => [k, String(v)])),
      DATABASE_URL: o.databaseUrl,
      POSTERN_DATA_DIR: o.dataDir,
      POSTERN_BIND: "127.0.0.1",
      POSTERN_PUBLIC_HOST: "localhost",
      POSTERN_SYNC: "false",
      POSTERN_OUTBOX: String(o.outbox),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code, signal) => reject(new Error(`postern: gateway exited (${code ?? signal}):\n${output}`))),
  );
  exited.catch(() => {});
  const url = `http://127.0.0.1:${o.ports.GATEWAY_HTTP_PORT}/readyz`;
  await Promise.race([eventually(async () => (await fetch(url)).ok, 60_000, `${url} to answer 200`), exited]);
  return {
    pid: child.pid!,
    smtpsPort: o.ports.SMTPS_PORT,
    ca: await readFile(path.join(o.dataDir, "tls", "selfsigned.crt"), "utf8"),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const force = setTimeout(() => child.kill("SIGKILL"), 12_000);
      await gone;
      clearTimeout(force);
    },
  };
}
