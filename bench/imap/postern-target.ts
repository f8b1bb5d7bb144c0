// Postern as it runs in production: the gateway as its own process (so its
// RSS is its own) on an embedded PostgreSQL, with one tenant, mailbox and
// device, and the messages loaded through IMAP APPEND — today its only way in.
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPrisma } from "@postern/db";
import { migrate } from "@postern/db/database";
import { startEmbedded } from "@postern/db/embedded";
import { Keyring, newKey } from "@postern/db/secrets";
import { seedMailbox } from "@postern/db/seed";
import { gatewayCommand } from "../../scripts/gateway-process.ts";
import { eventually, freePort } from "../../test/helpers/ports.ts";
import { ImapClient } from "./client.ts";
import { memoryOf } from "./memory.ts";
import { benchMessage } from "./messages.ts";
import type { BenchTarget } from "./target.ts";

const root = path.resolve(import.meta.dirname, "../..");

export async function startPosternTarget(opts: { messages: number; log(line: string): void }): Promise<BenchTarget> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "postern-bench-"));
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
    const prisma = createPrisma(db.url);
    const seeded = await seedMailbox({
      prisma,
      keyring: new Keyring([Buffer.from(newKey(), "base64")]),
      actor: "bench",
    }).finally(() => prisma.$disconnect());

    const ports = {
      IMAP_PORT: await freePort(),
      IMAPS_PORT: await freePort(),
      SMTP_PORT: await freePort(),
      SMTPS_PORT: await freePort(),
      GATEWAY_HTTP_PORT: await freePort(),
    };
    const { command, args } = await gatewayCommand(process.env.BENCH_GATEWAY_NODE_ARGS?.split(" ").filter(Boolean));
    const spawnGateway = (url: string, dataDir: string, p: Record<string, number>) =>
      startGatewayProcess(command, args, url, dataDir, p);
    let gateway = spawnGateway(db.url, path.join(dir, "gateway"), ports);
    cleanup.push(() => gateway.stop());
    await gateway.ready;
    opts.log(`postern: gateway up (pid ${gateway.child.pid}), IMAP on 127.0.0.1:${ports.IMAP_PORT}`);

    const target: BenchTarget = {
      name: "postern",
      host: "127.0.0.1",
      port: ports.IMAP_PORT,
      user: seeded.address,
      password: seeded.password,
      memory: () => memoryOf([gateway.child.pid!]),
      // A new gateway process on the same database and ports.
      async fresh() {
        await gateway.stop();
        gateway = spawnGateway(db.url, path.join(dir, "gateway"), ports);
        await gateway.ready;
      },
      details: {
        gateway: "apps/gateway/dist/main.mjs under node, as npm start runs it (child process)",
        database: "embedded PostgreSQL (not counted in RSS)",
        load: "IMAP APPEND with flags and INTERNALDATE",
        passwords: "device app password, scrypt N=2^15",
      },
      stop,
    };
    await appendAll(target, opts);
    return target;
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The gateway exactly as `npm start` runs it (scripts/gateway-process.ts).
 * BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles it.
 */
function startGatewayProcess(
  command: string,
  args: string[],
  databaseUrl: string,
  dataDir: string,
  ports: Record<string, number>,
) {
  const child: ChildProcess = spawn(command, args, {
    cwd: root,
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      DATABASE_URL: databaseUrl,
      POSTERN_DATA_DIR: dataDir,
      POSTERN_BIND: "127.0.0.1",
      POSTERN_PLAINTEXT_LOOPBACK: "true",
      LOG_LEVEL: "warn",
      // Every benchmark session comes from one address to one mailbox.
      IMAP_MAX_CONNECTIONS_PER_IP: "100000",
      IMAP_MAX_SESSIONS_PER_MAILBOX_IP: "100000",
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
    child.once("exit", (code, signal) =>
      reject(new Error(`postern: gateway exited (${code ?? signal}) before it was ready:\n${output}`)),
    ),
  );
  const url = `http://127.0.0.1:${ports.GATEWAY_HTTP_PORT}/readyz`;
  const ready = Promise.race([eventually(async () => (await fetch(url)).ok, 60_000, `${url} to answer 200`), exited]);
  exited.catch(() => {});
  return {
    child,
    ready,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      // main.ts exits by itself within 10 s of SIGTERM; do not wait longer.
      const force = setTimeout(() => child.kill("SIGKILL"), 12_000);
      await gone;
      clearTimeout(force);
    },
  };
}

/** The mailbox through APPEND, one message at a time, with progress (it can take a while). */
async function appendAll(t: BenchTarget, opts: { messages: number; log(line: string): void }): Promise<void> {
  const c = await ImapClient.connect(t.host, t.port);
  try {
    await c.login(t.user, t.password);
    const started = performance.now();
    let lastReport = started;
    for (let i = 0; i < opts.messages; i++) {
      const m = benchMessage(i);
      await c.append("INBOX", m.raw, m.flags, m.date);
      const now = performance.now();
      if (now - lastReport > 5000 || i + 1 === opts.messages) {
        lastReport = now;
        const rate = (i + 1) / ((now - started) / 1000);
        opts.log(`postern: appended ${i + 1}/${opts.messages} (${rate.toFixed(0)}/s)`);
      }
    }
  } finally {
    await c.logout();
  }
}
