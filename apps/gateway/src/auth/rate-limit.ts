// Failed-login accounting per address and per client IP. A fixed window per
// key is enough here: the point is to make guessing an 80-bit app password
// pointless and to stop a reconnect storm of a misconfigured phone from
// costing a slow hash per attempt.

export interface RateLimitOptions {
  /** Failures per address within the window before further attempts are refused. */
  perAddress: number;
  /** Failures per client IP within the window. */
  perIp: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = { perAddress: 10, perIp: 30, windowMs: 15 * 60 * 1000 };

interface Window {
  count: number;
  resetAt: number;
}

export class LoginRateLimiter {
  private readonly byAddress = new Map<string, Window>();
  private readonly byIp = new Map<string, Window>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly opts: RateLimitOptions = DEFAULT_RATE_LIMITS) {
    this.sweep = setInterval(() => this.prune(Date.now()), 60_000);
    this.sweep.unref();
  }

  /** True when this address or IP has failed too often recently. */
  blocked(address: string, ip: string, now = Date.now()): boolean {
    return (
      this.over(this.byAddress, address, this.opts.perAddress, now) || this.over(this.byIp, ip, this.opts.perIp, now)
    );
  }

  /** Failures recorded for the address in its current window (drives the delay). */
  failures(address: string, now = Date.now()): number {
    const w = this.byAddress.get(address);
    return w && w.resetAt > now ? w.count : 0;
  }

  fail(address: string, ip: string, now = Date.now()): void {
    this.bump(this.byAddress, address, now);
    this.bump(this.byIp, ip, now);
  }

  succeed(address: string): void {
    this.byAddress.delete(address);
  }

  close(): void {
    clearInterval(this.sweep);
  }

  private over(map: Map<string, Window>, key: string, limit: number, now: number): boolean {
    const w = map.get(key);
    return !!w && w.resetAt > now && w.count >= limit;
  }

  private bump(map: Map<string, Window>, key: string, now: number): void {
    const w = map.get(key);
    if (!w || w.resetAt <= now) map.set(key, { count: 1, resetAt: now + this.opts.windowMs });
    else w.count++;
  }

  private prune(now: number): void {
    for (const map of [this.byAddress, this.byIp]) for (const [k, w] of map) if (w.resetAt <= now) map.delete(k);
  }
}
