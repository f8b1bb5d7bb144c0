// Device app-password authentication, shared by IMAP and SMTP: the mailbox
// address and a per-device app password, verified with the slow hash once
// and then from the credential cache; failures slowed and rate-limited per
// address and per client IP; revoked devices refused.
import { verifyPassword } from "@postern/db/passwords";
import type pg from "pg";
import type { Log } from "../log.ts";
import { CredentialCache } from "./credential-cache.ts";
import { DEFAULT_RATE_LIMITS, LoginRateLimiter, type RateLimitOptions } from "./rate-limit.ts";

export interface AuthenticatedDevice {
  ok: true;
  deviceId: string;
  mailbox: {
    id: string;
    tenantId: string;
    address: string;
    aliases: string[];
    displayName: string | null;
    syncState: string;
    lastError: string | null;
    backendKind: string;
  };
}

export interface AuthRefused {
  ok: false;
  reason: "invalid" | "rateLimited";
}

export interface DeviceAuthOptions {
  rateLimits?: RateLimitOptions;
  /** Base delay before answering a failed login; doubles with repeated failures, capped. */
  failureDelayMs?: number;
}

const MAX_DELAY_MS = 8000;

export class DeviceAuth {
  readonly cache = new CredentialCache();
  private readonly limiter: LoginRateLimiter;
  private readonly failureDelayMs: number;
  private readonly lastSeenWritten = new Map<string, number>();
  private readonly failureAudited = new Map<string, number>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Log,
    opts: DeviceAuthOptions = {},
  ) {
    this.limiter = new LoginRateLimiter(opts.rateLimits ?? DEFAULT_RATE_LIMITS);
    this.failureDelayMs = opts.failureDelayMs ?? 1000;
  }

  async verify(
    rawAddress: string,
    password: string,
    client: { ip: string; protocol: "imap" | "smtp"; clientName?: string },
  ): Promise<AuthenticatedDevice | AuthRefused> {
    const address = rawAddress.trim().toLowerCase();
    if (this.limiter.blocked(address, client.ip)) {
      this.log.warn({ address, ip: client.ip, protocol: client.protocol }, "login refused: too many failures");
      await this.delay(address);
      return { ok: false, reason: "rateLimited" };
    }
    const r = await this.pool.query(
      `SELECT m.id, m.tenant_id, m.address, m.aliases, m.display_name, m.sync_state, m.last_error, b.kind,
              d.id AS device_id, d.password_hash
       FROM mailbox m JOIN backend b ON b.id = m.backend_id
       LEFT JOIN device d ON d.mailbox_id = m.id AND d.revoked_at IS NULL
       WHERE m.address = $1`,
      [address],
    );
    let deviceId: string | null = null;
    if (r.rowCount && password) {
      const active = new Set(r.rows.filter((row) => row.device_id).map((row) => row.device_id as string));
      const cached = this.cache.get(address, password);
      if (cached && active.has(cached)) deviceId = cached;
      else {
        for (const row of r.rows) {
          if (row.password_hash && (await verifyPassword(password, row.password_hash))) {
            deviceId = row.device_id;
            this.cache.put(address, password, row.device_id);
            break;
          }
        }
      }
    }
    if (!deviceId) {
      this.limiter.fail(address, client.ip);
      this.log.info({ address, ip: client.ip, protocol: client.protocol, known: Boolean(r.rowCount) }, "login failed");
      if (r.rowCount) this.auditFailure(r.rows[0].id, r.rows[0].tenant_id, address, client);
      await this.delay(address);
      return { ok: false, reason: "invalid" };
    }
    this.limiter.succeed(address);
    const row = r.rows[0];
    this.touch(deviceId, client);
    return {
      ok: true,
      deviceId,
      mailbox: {
        id: row.id,
        tenantId: row.tenant_id,
        address: row.address,
        aliases: row.aliases ?? [],
        displayName: row.display_name,
        syncState: row.sync_state,
        lastError: row.last_error,
        backendKind: row.kind,
      },
    };
  }

  /** Forget a revoked device's cached credentials. */
  revoke(deviceId: string): void {
    this.cache.dropDevice(deviceId);
  }

  close(): void {
    this.limiter.close();
  }

  private delay(address: string): Promise<void> {
    const n = Math.max(0, this.limiter.failures(address) - 1);
    const ms = Math.min(MAX_DELAY_MS, this.failureDelayMs * 2 ** Math.min(n, 4));
    return new Promise((r) => setTimeout(r, ms));
  }

  /**
   * Record last-seen at most once a minute per device (a write per login
   * would be wasted), and audit a device's first sign-in and any sign-in
   * from a new address or client — what the device timeline shows.
   */
  private touch(deviceId: string, client: { ip: string; protocol: string; clientName?: string }): void {
    const now = Date.now();
    if ((this.lastSeenWritten.get(deviceId) ?? 0) > now - 60_000) return;
    this.lastSeenWritten.set(deviceId, now);
    this.pool
      .query(
        `WITH old AS (SELECT id, tenant_id, last_seen_at, last_seen_ip, last_client FROM device WHERE id = $1 FOR UPDATE),
              upd AS (UPDATE device d SET last_seen_at = now(), last_seen_ip = $2, last_client = coalesce($3, d.last_client)
                      FROM old WHERE d.id = old.id RETURNING old.*)
         INSERT INTO audit_event (tenant_id, actor, action, target, data, ip)
         SELECT tenant_id, 'device:' || id, 'device.login', id::text,
                jsonb_build_object('protocol', $4::text, 'client', $3::text, 'first', last_seen_at IS NULL), $2
         FROM upd
         WHERE last_seen_at IS NULL OR last_seen_ip IS DISTINCT FROM $2 OR ($3::text IS NOT NULL AND last_client IS DISTINCT FROM $3)`,
        [deviceId, client.ip, client.clientName ?? null, client.protocol],
      )
      .catch((err) => this.log.warn({ err: err.message, deviceId }, "could not record last-seen"));
  }

  /** A failed sign-in to a known mailbox goes to its tenant's audit log, once a minute per address and IP at most. */
  private auditFailure(mailboxId: string, tenantId: string, address: string, client: { ip: string; protocol: string }) {
    const key = `${address}\0${client.ip}`;
    const now = Date.now();
    if ((this.failureAudited.get(key) ?? 0) > now - 60_000) return;
    this.failureAudited.set(key, now);
    if (this.failureAudited.size > 10_000) {
      for (const [k, t] of this.failureAudited) if (t < now - 60_000) this.failureAudited.delete(k);
    }
    this.pool
      .query(
        `INSERT INTO audit_event (tenant_id, actor, action, target, data, ip)
         VALUES ($1, 'system', 'mailbox.login_failed', $2, jsonb_build_object('protocol', $3::text, 'address', $4::text), $5)`,
        [tenantId, mailboxId, client.protocol, address, client.ip],
      )
      .catch((err) => this.log.warn({ err: err.message, address }, "could not audit a failed login"));
  }
}
