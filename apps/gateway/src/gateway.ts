// Assembles the gateway: database, keyring, TLS, the IMAP and SMTP listeners,
// the HTTP port, cross-process events. Used by main.ts and by tests, which
// start it in-process on free ports.
import { readFileSync } from "node:fs";
import tls from "node:tls";
import { createPrisma, type Prisma } from "@postern/db";
import { type Keyring, loadKeyring } from "@postern/db/secrets";
import type { ConnectionLimits } from "@postern/protocol";
import pg from "pg";
import { DeviceActivity } from "./auth/activity.ts";
import { DeviceAuth, type DeviceAuthOptions } from "./auth/devices.ts";
import type { GatewayConfig } from "./config.ts";
import { CHANGES_CHANNEL, EventListener } from "./events.ts";
import { type ReadinessReport, startHttpServer } from "./http/server.ts";
import { ImapAuthenticator } from "./imap/auth.ts";
import { type ImapServer, startImapServer } from "./imap/server.ts";
import type { Log } from "./log.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { systemRelay } from "./outbox/relay.ts";
import { scheduleWith } from "./outbox/schedule.ts";
import { OutboxWorker } from "./outbox/worker.ts";
import { SMTP_LIMITS, type SmtpLimits } from "./smtp/limits.ts";
import { type SmtpServers, startSmtpServers } from "./smtp/server.ts";
import { type ChangeBus, PgNotifyBus } from "./store/bus.ts";
import { StoreFactory } from "./store/factory.ts";
import { SyncManager } from "./sync/manager.ts";
import { loadTls, type TlsMaterial } from "./tls.ts";
import { VERSION } from "./version.ts";

export interface Gateway {
  ports: { imap: number; imaps: number; smtp: number; smtps: number; http: number };
  tls: TlsMaterial;
  prisma: Prisma;
  pool: pg.Pool;
  keyring: Keyring;
  metrics: Metrics;
  imap: ImapServer;
  bus: ChangeBus;
  devices: DeviceAuth;
  sync: SyncManager;
  stores: StoreFactory;
  /** Cross-process events and changes (LISTEN/NOTIFY). */
  events: EventListener;
  /** The outbox delivery worker; running unless POSTERN_OUTBOX=false (then start() runs it). */
  outbox: OutboxWorker;
  close(): Promise<void>;
}

export async function startGateway(opts: {
  config: GatewayConfig;
  databaseUrl: string;
  log: Log;
  /** Tests shorten the failed-login delay and rate limits. */
  auth?: DeviceAuthOptions;
  /** Tests lower SMTP submission limits (smtp/limits.ts). */
  smtpLimits?: Partial<SmtpLimits>;
  /** Tests lower IMAP connection limits (CONNECTION_LIMITS in packages/protocol limits.ts). */
  imapLimits?: Partial<ConnectionLimits>;
}): Promise<Gateway> {
  const { config, log } = opts;
  const metrics = createMetrics();
  const keyring = await loadKeyring({ dataDir: config.dataDir });
  const prisma = createPrisma(opts.databaseUrl);
  // The mail index's hot paths use SQL directly; Prisma serves configuration.
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 20 });
  pool.on("error", (err) => log.warn({ err: err.message }, "idle database connection failed"));
  const material = await loadTls({
    dataDir: config.dataDir,
    publicHost: config.publicHost,
    certPath: config.tlsCert,
    keyPath: config.tlsKey,
    log,
  });
  const secureContext = tls.createSecureContext({ cert: material.cert, key: material.key, minVersion: "TLSv1.2" });
  const events = new EventListener(opts.databaseUrl, log);
  await events.start();
  const bus = new PgNotifyBus(
    (payload) => pool.query("SELECT pg_notify($1, $2)", [CHANGES_CHANNEL, payload]),
    (err) => log.warn({ err: err.message }, "change notification failed"),
  );
  events.onChange((payload) => bus.received(payload));
  events.onReconnect(() => bus.resync());
  const devices = new DeviceAuth(pool, log, opts.auth);
  const sync = new SyncManager({
    pool,
    databaseUrl: opts.databaseUrl,
    bus,
    keyring,
    log,
    events,
    bodyCacheBytes: config.bodyCacheBytes,
  });
  const stores = new StoreFactory({ pool, bus, log, remote: (mailboxId) => sync.hooksFor(mailboxId) });
  const activity = new DeviceActivity(pool, log);
  const imapLimits = { ...config.imapLimits, ...opts.imapLimits };
  const imapAuth = new ImapAuthenticator({
    devices,
    stores,
    log,
    metrics,
    sessionsPerMailboxAndIp: imapLimits.sessionsPerMailboxAndIp,
  });
  events.on((event) => {
    if (event.type === "device.revoked") {
      const ended = imapAuth.revokeDevice(event.deviceId);
      log.info({ device: event.deviceId, sessionsEnded: ended }, "device revoked");
    }
  });
  // A revocation announced while LISTEN was down was missed: ask the database.
  events.onReconnect(() => {
    const ids = imapAuth.deviceIds();
    if (!ids.length) return;
    pool
      .query<{ id: string }>("SELECT id FROM device WHERE id = ANY($1::uuid[]) AND revoked_at IS NOT NULL", [ids])
      .then((r) => {
        for (const { id } of r.rows) {
          const ended = imapAuth.revokeDevice(id);
          log.info({ device: id, sessionsEnded: ended }, "device revoked (found after the event listener reconnected)");
        }
      })
      .catch((err: Error) => log.warn({ err: err.message }, "could not re-check revoked devices"));
  });

  const closers: Array<() => Promise<void>> = [];
  // Run last (closers run in reverse): the final commands of the sessions the listeners end are written.
  closers.push(() => activity.close());
  try {
    if (config.sync) {
      await sync.start();
      closers.push(() => sync.stop());
    }
    const imap = await startImapServer({
      host: config.bindHost,
      port: config.imapPort,
      tlsPort: config.imapsPort,
      secureContext,
      cert: material.cert,
      key: material.key,
      plaintextLoopback: config.plaintextLoopback,
      log,
      metrics,
      version: VERSION,
      auth: imapAuth,
      limits: imapLimits,
      onCommand: (connId, command, status, ms, detail) => {
        const deviceId = imapAuth.deviceOf(connId);
        if (deviceId) activity.record(deviceId, { proto: "imap", command, status, ms, ...detail });
      },
    });
    closers.push(() => imap.close());
    const schedule = scheduleWith(config.outboxSchedule);
    const outbox = new OutboxWorker({
      pool,
      databaseUrl: opts.databaseUrl,
      keyring,
      stores,
      log,
      metrics,
      host: config.publicHost,
      schedule,
      systemRelay: systemRelay(
        config.mailRelayUrl,
        config.mailRelayCaFile ? readFileSync(config.mailRelayCaFile, "utf8") : undefined,
      ),
    });
    if (config.outbox) {
      outbox.start();
      // The portal queued mail (provisioning/system-mail.ts): send it now, not at the next look.
      events.on((event) => event.type === "outbox.queued" && outbox.wake());
    }
    // Closed after the listeners (closers run in reverse), so the last submissions are woken for.
    closers.push(() => outbox.stop());
    const smtp: SmtpServers = await startSmtpServers({
      host: config.bindHost,
      port: config.smtpPort,
      tlsPort: config.smtpsPort,
      cert: material.cert,
      key: material.key,
      publicHost: config.publicHost,
      plaintextLoopback: config.plaintextLoopback,
      limits: { ...SMTP_LIMITS, ...opts.smtpLimits },
      retryPeriodMs: schedule.retryPeriodMs,
      pool,
      devices,
      log,
      metrics,
      accepted: (id, sentCopyOwed) => outbox.wake(sentCopyOwed ? id : undefined),
      onCommand: (deviceId, command, status, text) =>
        activity.record(deviceId, { proto: "smtp", command, status, text }),
    });
    closers.push(() => smtp.close());

    const ports = { ...imap.ports, ...smtp.ports, http: 0 };
    const readiness = async (): Promise<ReadinessReport> => {
      const checks: ReadinessReport["checks"] = {};
      try {
        await pool.query("SELECT 1");
        checks.database = { ok: true };
      } catch (err) {
        checks.database = { ok: false, detail: (err as Error).message };
      }
      checks.events = { ok: events.connected, detail: events.connected ? undefined : "LISTEN connection down" };
      return { ready: Object.values(checks).every((c) => c.ok), checks, listeners: ports };
    };
    const http = await startHttpServer({ host: config.httpHost, port: config.httpPort, metrics, readiness, log });
    closers.push(() => new Promise<void>((r) => http.close(() => r())));
    const addr = http.address();
    ports.http = typeof addr === "object" && addr ? addr.port : 0;

    log.info({ ports, selfSignedCert: material.selfSigned, publicHost: config.publicHost }, "gateway listening");
    return {
      ports,
      events,
      tls: material,
      prisma,
      pool,
      keyring,
      metrics,
      imap,
      bus,
      devices,
      sync,
      stores,
      outbox,
      async close() {
        for (const c of closers.reverse()) await c().catch((err) => log.warn({ err }, "close failed"));
        await events.stop();
        devices.close();
        await pool.end().catch(() => {});
        await prisma.$disconnect().catch(() => {});
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => {});
    await events.stop();
    await pool.end().catch(() => {});
    await prisma.$disconnect().catch(() => {});
    throw err;
  }
}
