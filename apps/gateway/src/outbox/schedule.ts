// When the outbox tries again, and for how long. The defaults are Postfix's
// in spirit (maximal_queue_lifetime 5d); the gateway's environment can
// change them (config.ts: POSTERN_OUTBOX_*), which tests do to fail fast.

export interface OutboxSchedule {
  /** Temporary failures are retried for this long after acceptance, then bounced. */
  retryPeriodMs: number;
  /** First retry after this; each further one waits twice as long… */
  backoffBaseMs: number;
  /** …up to this. */
  backoffMaxMs: number;
  /**
   * A worker holds a message this long while sending. Longer than any send
   * can take (relay.ts bounds a send by its timeouts), so two gateways never
   * send the same message, and short enough that a crashed gateway's
   * messages go out again soon after.
   */
  leaseMs: number;
  /** How often the worker looks for due messages when nothing woke it. */
  pollMs: number;
  /** Finished messages stay listed (`postern outbox list`) this long, then are deleted. */
  retentionMs: number;
}

export const DEFAULT_SCHEDULE: OutboxSchedule = {
  retryPeriodMs: 5 * 24 * 3600 * 1000,
  backoffBaseMs: 30 * 1000,
  backoffMaxMs: 3600 * 1000,
  leaseMs: 5 * 60 * 1000,
  pollMs: 3000,
  retentionMs: 7 * 24 * 3600 * 1000,
};

/** The wait after the `attempts`-th failed attempt: base, 2×base, 4×base… capped. */
export function backoffMs(s: Pick<OutboxSchedule, "backoffBaseMs" | "backoffMaxMs">, attempts: number): number {
  const n = Math.max(0, attempts - 1);
  return Math.min(s.backoffMaxMs, s.backoffBaseMs * 2 ** Math.min(n, 30));
}

/** The defaults with the gateway's overrides (config.ts) applied. */
export function scheduleWith(o: Partial<OutboxSchedule>): OutboxSchedule {
  const d = DEFAULT_SCHEDULE;
  return {
    retryPeriodMs: o.retryPeriodMs ?? d.retryPeriodMs,
    backoffBaseMs: o.backoffBaseMs ?? d.backoffBaseMs,
    backoffMaxMs: o.backoffMaxMs ?? d.backoffMaxMs,
    leaseMs: o.leaseMs ?? d.leaseMs,
    pollMs: o.pollMs ?? d.pollMs,
    retentionMs: o.retentionMs ?? d.retentionMs,
  };
}
