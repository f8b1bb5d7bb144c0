// Every setting the gateway reads, from the environment, validated once at
// start. The README's configuration table lists the same names.
import os from "node:os";
import { dataDir } from "@postern/db/config";
import type { ConnectionLimits } from "@postern/protocol";

export interface GatewayConfig {
  dataDir: string;
  bindHost: string;
  publicHost: string;
  imapPort: number;
  imapsPort: number;
  smtpPort: number;
  smtpsPort: number;
  httpPort: number;
  httpHost: string;
  tlsCert?: string;
  tlsKey?: string;
  /** Allow LOGIN/AUTH without TLS from loopback addresses (development only). */
  plaintextLoopback: boolean;
  logLevel: string;
  /** Cached bodies of backend mail kept at most, in bytes (POSTERN_BODY_CACHE_MB). */
  bodyCacheBytes: number;
  /** Run the sync engine (off only for tests that drive it themselves). */
  sync: boolean;
  /** Run the outbox delivery worker (POSTERN_OUTBOX; off for a gateway that must not send). */
  outbox: boolean;
  /** Outbox retry schedule overrides (POSTERN_OUTBOX_*_SECONDS), in ms; unset ones keep outbox/schedule.ts's defaults. */
  outboxSchedule: { retryPeriodMs?: number; backoffBaseMs?: number; backoffMaxMs?: number; leaseMs?: number };
  /**
   * The relay for Postern's own mail (the portal's verification, reset and
   * invitation mail, queued in the outbox): POSTERN_MAIL_RELAY_URL, e.g.
   * smtp://user:pass@mail.example.com:587. Holds a password: never logged.
   */
  mailRelayUrl?: string;
  /** A PEM file of a private CA that relay's certificate chains to (POSTERN_MAIL_RELAY_CA). */
  mailRelayCaFile?: string;
  /**
   * IMAP connection limits set by the operator (IMAP_MAX_CONNECTIONS,
   * IMAP_MAX_CONNECTIONS_PER_IP, IMAP_MAX_SESSIONS_PER_MAILBOX_IP); unset ones
   * keep CONNECTION_LIMITS (packages/protocol limits.ts).
   */
  imapLimits: Partial<ConnectionLimits>;
}

export class ConfigError extends Error {}

function port(env: Env, name: string, def: number): number {
  const v = env[name];
  if (v === undefined || v === "") return def;
  const n = Number(v);
  // 0 asks the OS for a free port (tests).
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name} must be a port number, got "${v}"`);
  return n;
}

function megabytes(env: Env, name: string, def: number): number {
  const v = env[name];
  if (v === undefined || v === "") return def * 1024 * 1024;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a number of megabytes, got "${v}"`);
  return n * 1024 * 1024;
}

function seconds(env: Env, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number of seconds, got "${v}"`);
  return n * 1000;
}

function count(env: Env, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${name} must be a whole number of at least 1, got "${v}"`);
  return n;
}

function flag(env: Env, name: string, def: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === "") return def;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(`${name} must be true or false, got "${v}"`);
}

/** Environment variables as read here (not NodeJS.ProcessEnv, which Next.js narrows). */
type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): GatewayConfig {
  if (Boolean(env.TLS_CERT) !== Boolean(env.TLS_KEY)) {
    throw new ConfigError("set both TLS_CERT and TLS_KEY, or neither (a self-signed certificate is then generated)");
  }
  return {
    dataDir: dataDir(env),
    bindHost: env.POSTERN_BIND || "0.0.0.0",
    publicHost: env.POSTERN_PUBLIC_HOST || os.hostname(),
    imapPort: port(env, "IMAP_PORT", 1143),
    imapsPort: port(env, "IMAPS_PORT", 1993),
    smtpPort: port(env, "SMTP_PORT", 1587),
    smtpsPort: port(env, "SMTPS_PORT", 1465),
    httpPort: port(env, "GATEWAY_HTTP_PORT", 9464),
    httpHost: env.GATEWAY_HTTP_HOST || env.POSTERN_BIND || "0.0.0.0",
    tlsCert: env.TLS_CERT || undefined,
    tlsKey: env.TLS_KEY || undefined,
    plaintextLoopback: flag(env, "POSTERN_PLAINTEXT_LOOPBACK", false),
    logLevel: env.LOG_LEVEL || "info",
    bodyCacheBytes: megabytes(env, "POSTERN_BODY_CACHE_MB", 1024),
    sync: flag(env, "POSTERN_SYNC", true),
    outbox: flag(env, "POSTERN_OUTBOX", true),
    outboxSchedule: {
      retryPeriodMs: seconds(env, "POSTERN_OUTBOX_RETRY_SECONDS"),
      backoffBaseMs: seconds(env, "POSTERN_OUTBOX_BACKOFF_SECONDS"),
      backoffMaxMs: seconds(env, "POSTERN_OUTBOX_BACKOFF_MAX_SECONDS"),
      leaseMs: seconds(env, "POSTERN_OUTBOX_LEASE_SECONDS"),
    },
    imapLimits: Object.fromEntries(
      Object.entries({
        maxConnections: count(env, "IMAP_MAX_CONNECTIONS"),
        connectionsPerIp: count(env, "IMAP_MAX_CONNECTIONS_PER_IP"),
        sessionsPerMailboxAndIp: count(env, "IMAP_MAX_SESSIONS_PER_MAILBOX_IP"),
      }).filter(([, v]) => v !== undefined),
    ),
    mailRelayUrl: env.POSTERN_MAIL_RELAY_URL || undefined,
    mailRelayCaFile: env.POSTERN_MAIL_RELAY_CA || undefined,
  };
}
