// Postern as production runs it, pointed at the benchmark's Dovecot: an
// embedded PostgreSQL, migrated; a tenant with an IMAP backend, a mailbox and
// a device, provisioned as an admin would (as test/helpers/backend.ts does,
// but with a keyring of the benchmark's own); and the gateway as a child
// process (scripts/gateway-process.ts) that finds the same key in the
// `secret.key` of its data directory, so it can decrypt the backend password.
// Phase c adds a POP3 backend and a mailbox on it while the gateway runs.
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPrisma } from "@postern/db";
import { migrate } from "@postern/db/database";
import { startEmbedded } from "@postern/db/embedded";
import { addBackend, addDevice, addMailbox, createTenant } from "@postern/db/provisioning";
import { KEY_FILE, Keyring, newKey } from "@postern/db/secrets";
import { gatewayCommand } from "../../scripts/gateway-process.ts";
import type { Dovecot } from "../../test/helpers/dovecot.ts";
import { eventually, freePort } from "../../test/helpers/ports.ts";

const root = path.resolve(import.meta.dirname, "../..");
/** The production default, written out: a 1 s poll (as tests use) would keep the worker busy between deliveries. */
const POLL_INTERVAL_SECONDS = 60;

export interface Postern {
  databaseUrl: string;
  mailboxId: string;
  /** What the phone logs in with. */
  phone: { address: string; password: string };
  /** Start the gateway; `ready` settles when /readyz answers 200. */
  startGateway(): GatewayChild;
  /**
   * Provision a POP3 backend (the Dovecot's POP3, STARTTLS) and a mailbox on
   * it in the same tenant, as the CLI would. addMailbox's transaction sends
   * `mailbox.changed`, on which a running gateway starts syncing it.
   * `committedAt` is performance.now() once addMailbox returned.
   */
  addPop3Mailbox(user: { user: string; password: string }): Promise<Pop3Provisioned>;
  details: Record<string, string | number>;
  stop(): Promise<void>;
}

export interface Pop3Provisioned {
  mailboxId: string;
  committedAt: number;
  /** The addMailbox call, commit included: the most the gateway could have started before `committedAt`. */
  addMailboxMs: number;
}

export interface GatewayChild {
  pid: number;
  imapPort: number;
  /** performance.now() at spawn, and once /readyz first answered 200. */
  spawnedAt: number;
  readyAt?: number;
  ready: Promise<void>;
  stop(): Promise<void>;
}

export async function startPostern(opts: {
  dovecot: Dovecot;
  backendUser: { user: string; password: string };
  log(line: string): void;
}): Promise<Postern> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "postern-bench-sync-"));
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

    const keyring = new Keyring([Buffer.from(secretKey, "base64")]);
    const prisma = createPrisma(db.url);
    const ctx = { prisma, keyring, actor: "bench" };
    const provisioned = await (async () => {
      const tenant = await createTenant(ctx, { name: "Sync bench", slug: "sync-bench", domains: ["sync.bench"] });
      const backend = await addBackend(ctx, {
        tenantId: tenant.id,
        kind: "imap",
        host: "127.0.0.1",
        port: opts.dovecot.imapPort,
        security: "starttls",
        options: { tlsCa: opts.dovecot.certPem, pollIntervalSeconds: POLL_INTERVAL_SECONDS },
      });
      const address = "phone@sync.bench";
      const mailbox = await addMailbox(ctx, {
        tenantId: tenant.id,
        backendId: backend.id,
        address,
        login: opts.backendUser.user,
        password: opts.backendUser.password,
      });
      const { password } = await addDevice(ctx, { mailbox: address, name: "Bench phone" });
      return { tenantId: tenant.id, mailboxId: mailbox.id, phone: { address, password } };
    })().finally(() => prisma.$disconnect());

    const { command, args } = await gatewayCommand(process.env.BENCH_GATEWAY_NODE_ARGS?.split(" ").filter(Boolean));
    const ports = {
      IMAP_PORT: await freePort(),
      IMAPS_PORT: await freePort(),
      SMTP_PORT: await freePort(),
      SMTPS_PORT: await freePort(),
      GATEWAY_HTTP_PORT: await freePort(),
    };
    const { tenantId, ...mailbox } = provisioned;
    return {
      databaseUrl: db.url,
      ...mailbox,
      async addPop3Mailbox(user) {
        const prisma = createPrisma(db.url);
        try {
          const ctx = { prisma, keyring, actor: "bench" };
          const backend = await addBackend(ctx, {
            tenantId,
            kind: "pop3",
            host: "127.0.0.1",
            port: opts.dovecot.pop3Port,
            security: "starttls",
            options: {
              tlsCa: opts.dovecot.certPem,
              pollIntervalSeconds: POLL_INTERVAL_SECONDS,
              pop3LeaveOnServer: true,
            },
          });
          const started = performance.now();
          const mailbox = await addMailbox(ctx, {
            tenantId,
            backendId: backend.id,
            address: "pop@sync.bench",
            login: user.user,
            password: user.password,
          });
          const committedAt = performance.now();
          return { mailboxId: mailbox.id, committedAt, addMailboxMs: committedAt - started };
        } finally {
          await prisma.$disconnect();
        }
      },
      startGateway() {
        const gw = launch(command, args, { databaseUrl: db.url, dataDir, ports });
        cleanup.push(() => gw.stop());
        return gw;
      },
      details: {
        gateway: "apps/gateway/dist/main.mjs under node, as npm start runs it (child process)",
        database: "embedded PostgreSQL (not counted in RSS)",
        backend: "IMAP with STARTTLS to Dovecot on loopback",
        pop3Backend:
          "phase c: POP3 with STARTTLS to Dovecot on loopback, leave on server, added while the gateway runs",
        pollIntervalSeconds: POLL_INTERVAL_SECONDS,
        phones: "plaintext LOGIN on loopback (POSTERN_PLAINTEXT_LOOPBACK=true)",
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The gateway exactly as `npm start` runs it. BENCH_GATEWAY_NODE_ARGS adds
 * node flags ("--cpu-prof --cpu-prof-dir=/tmp/prof" profiles it).
 */
function launch(
  command: string,
  args: string[],
  o: { databaseUrl: string; dataDir: string; ports: Record<string, number> },
): GatewayChild {
  // The key must come from the data directory's file, not from our environment.
  const { POSTERN_SECRET_KEY: _unused, ...env } = process.env;
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(command, args, {
    cwd: root,
    env: {
      ...env,
      ...Object.fromEntries(Object.entries(o.ports).map(([k, v]) => [k, String(v)])),
      DATABASE_URL: o.databaseUrl,
      POSTERN_DATA_DIR: o.dataDir,
      POSTERN_BIND: "127.0.0.1",
      POSTERN_PLAINTEXT_LOOPBACK: "true",
      POSTERN_SYNC: "true",
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
  const gw: GatewayChild = {
    pid: child.pid!,
    imapPort: o.ports.IMAP_PORT,
    spawnedAt,
    ready: Promise.race([
      eventually(async () => (await fetch(url)).ok, 60_000, `${url} to answer 200`).then(() => {
        gw.readyAt = performance.now();
      }),
      exited,
    ]),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      // main.ts exits by itself within 10 s of SIGTERM; do not wait longer.
      const force = setTimeout(() => child.kill("SIGKILL"), 12_000);
      await gone;
      clearTimeout(force);
    },
  };
  return gw;
}
