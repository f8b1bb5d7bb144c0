// Phones log in constantly. The slow hash runs once per device and password;
// after that a keyed digest of the verified credential, kept in memory for a
// short while, answers in microseconds (DESIGN.md "Logins are frequent on
// phones"). The key is random per process, so the digests are useless
// outside it; entries are dropped when their device is revoked.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

interface Entry {
  digest: Buffer;
  deviceId: string;
  expiresAt: number;
}

export class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 10 * 60 * 1000,
    private readonly maxEntries = 100_000,
  ) {}

  private digest(address: string, password: string): Buffer {
    return createHmac("sha256", this.key).update(address).update("\0").update(password).digest();
  }

  /** The device id this credential was verified for, if still cached. */
  get(address: string, password: string, now = Date.now()): string | null {
    const d = this.digest(address, password);
    const e = this.entries.get(d.toString("base64"));
    if (!e || e.expiresAt <= now) return null;
    return timingSafeEqual(e.digest, d) ? e.deviceId : null;
  }

  put(address: string, password: string, deviceId: string, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) {
      // Oldest first: Map iterates in insertion order.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const d = this.digest(address, password);
    this.entries.set(d.toString("base64"), { digest: d, deviceId, expiresAt: now + this.ttlMs });
  }

  dropDevice(deviceId: string): void {
    for (const [k, e] of this.entries) if (e.deviceId === deviceId) this.entries.delete(k);
  }
}
