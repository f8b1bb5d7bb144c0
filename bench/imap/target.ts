// What a workload needs from a server under test, whichever it is.
import type { MemorySample } from "./memory.ts";

export type TargetName = "dovecot" | "postern";

export interface BenchTarget {
  name: TargetName;
  host: string;
  /** Plaintext IMAP port (LOGIN on loopback, no TLS: the benchmark times the server, not the cipher). */
  port: number;
  user: string;
  password: string;
  /** The server's memory now: every process of it. */
  memory(): MemorySample;
  /**
   * Shed what earlier workloads left behind before memory is measured: a
   * Node process keeps heap it grew (so new sessions would fit in it
   * unseen), Dovecot keeps idle imap processes for reuse.
   */
  fresh(): Promise<void>;
  /** How it was set up, for the JSON report. */
  details: Record<string, string | number>;
  stop(): Promise<void>;
}
