// The IMAP server's login hook: device app passwords (auth/devices.ts), then
// a MailStore over the index for the mailbox. Sessions are remembered by
// device so that revoking one ends its connections at once.
import {
  type Authenticator,
  type AuthFailure,
  type AuthSuccess,
  CONNECTION_LIMITS,
  type Session,
} from "@postern/protocol";
import type { DeviceAuth } from "../auth/devices.ts";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { StoreFactory } from "../store/factory.ts";

export class ImapAuthenticator implements Authenticator {
  /** connection id → its session (set by the server). */
  readonly sessions = new Map<string, Session>();
  private readonly byDevice = new Map<string, Set<string>>();
  /** connection id → the device logged in on it. */
  private readonly deviceByConn = new Map<string, string>();
  /** "mailbox id|client address" → logged-in connection ids (sessionsPerMailboxAndIp). */
  private readonly byMailboxIp = new Map<string, Set<string>>();

  constructor(
    private readonly deps: {
      devices: DeviceAuth;
      stores: StoreFactory;
      log: Log;
      metrics: Metrics;
      /** Default: CONNECTION_LIMITS.sessionsPerMailboxAndIp. */
      sessionsPerMailboxAndIp?: number;
    },
  ) {}

  async login(
    user: string,
    password: string,
    s: { id: string; remoteAddress: string; clientId?: Record<string, string> },
  ): Promise<AuthSuccess | AuthFailure> {
    const clientName = s.clientId
      ? [s.clientId.name, s.clientId.version].filter(Boolean).join(" ") || undefined
      : undefined;
    const r = await this.deps.devices.verify(user, password, { ip: s.remoteAddress, protocol: "imap", clientName });
    if (!r.ok) {
      this.deps.metrics.authFailures.inc({ protocol: "imap", reason: r.reason });
      return { ok: false, reason: r.reason };
    }
    const key = `${r.mailbox.id}|${s.remoteAddress}`;
    const mine = this.byMailboxIp.get(key) ?? new Set<string>();
    if (mine.size >= (this.deps.sessionsPerMailboxAndIp ?? CONNECTION_LIMITS.sessionsPerMailboxAndIp)) {
      this.deps.metrics.connectionsRefused.inc({ protocol: "imap", reason: "per_mailbox_ip" });
      this.deps.log.warn(
        { conn: s.id, mailbox: r.mailbox.address, remote: s.remoteAddress, open: mine.size },
        "imap login refused: too many sessions of this mailbox from one address",
      );
      return { ok: false, reason: "tooManySessions" };
    }
    mine.add(s.id);
    this.byMailboxIp.set(key, mine);
    this.deps.metrics.logins.inc({ protocol: "imap" });
    const store = this.deps.stores.forMailbox(r.mailbox.id, r.mailbox.backendKind);
    let set = this.byDevice.get(r.deviceId);
    if (!set) {
      set = new Set();
      this.byDevice.set(r.deviceId, set);
    }
    set.add(s.id);
    this.deviceByConn.set(s.id, r.deviceId);
    const session = this.sessions.get(s.id);
    session?.onClose(() => {
      set.delete(s.id);
      if (!set.size) this.byDevice.delete(r.deviceId);
      mine.delete(s.id);
      if (!mine.size) this.byMailboxIp.delete(key);
      this.deviceByConn.delete(s.id);
    });
    this.deps.log.info({ conn: s.id, mailbox: r.mailbox.address, device: r.deviceId }, "imap login");
    const alert =
      r.mailbox.syncState === "needs_attention"
        ? `Postern cannot reach your mail server: ${r.mailbox.lastError ?? "the backend needs attention"}. Mail shown may be out of date; your administrator has been told.`
        : undefined;
    return { ok: true, store, user: r.mailbox.address, alert };
  }

  /** The device logged in on a connection, if any. */
  deviceOf(connId: string): string | undefined {
    return this.deviceByConn.get(connId);
  }

  /** Devices with an open session (checked against the database after missed events). */
  deviceIds(): string[] {
    return [...this.byDevice.keys()];
  }

  /** A device was revoked: end its sessions now. */
  revokeDevice(deviceId: string): number {
    this.deps.devices.revoke(deviceId);
    const ids = this.byDevice.get(deviceId);
    if (!ids) return 0;
    let n = 0;
    for (const id of [...ids]) {
      const s = this.sessions.get(id);
      if (s) {
        s.bye("This device's access was revoked");
        n++;
      }
    }
    return n;
  }
}
