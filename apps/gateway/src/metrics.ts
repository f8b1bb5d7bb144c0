// Prometheus metrics, served on the gateway's HTTP port at /metrics.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "postern_" });
  return {
    registry,
    connections: new Gauge({
      name: "postern_connections",
      help: "Open client connections by protocol",
      labelNames: ["protocol"] as const,
      registers: [registry],
    }),
    connectionsTotal: new Counter({
      name: "postern_connections_total",
      help: "Client connections accepted by protocol and listener",
      labelNames: ["protocol", "listener"] as const,
      registers: [registry],
    }),
    connectionsRefused: new Counter({
      name: "postern_connections_refused_total",
      help: "Connections refused at a limit",
      labelNames: ["protocol", "reason"] as const,
      registers: [registry],
    }),
    commands: new Counter({
      name: "postern_imap_commands_total",
      help: "IMAP commands by name and status",
      labelNames: ["command", "status"] as const,
      registers: [registry],
    }),
    commandSeconds: new Histogram({
      name: "postern_imap_command_seconds",
      help: "IMAP command latency",
      labelNames: ["command"] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: "postern_auth_failures_total",
      help: "Failed logins by protocol and reason",
      labelNames: ["protocol", "reason"] as const,
      registers: [registry],
    }),
    logins: new Counter({
      name: "postern_logins_total",
      help: "Successful logins by protocol",
      labelNames: ["protocol"] as const,
      registers: [registry],
    }),
    smtpSubmissions: new Counter({
      name: "postern_smtp_submissions_total",
      help: "SMTP submission commands accepted or refused, by refusal reason (smtp/replies.ts)",
      labelNames: ["result", "reason"] as const,
      registers: [registry],
    }),
    outboxAttempts: new Counter({
      name: "postern_outbox_relay_attempts_total",
      help: "Relay attempts by what became of the message: sent, deferred (retried), bounced, failed (gave up)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    outboxRecipients: new Counter({
      name: "postern_outbox_recipients_total",
      help: "Recipient results of relay attempts: sent, deferred, failed",
      labelNames: ["state"] as const,
      registers: [registry],
    }),
    outboxRelaySeconds: new Histogram({
      name: "postern_outbox_relay_seconds",
      help: "Time to hand one message to the relay",
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    outboxWrites: new Counter({
      name: "postern_outbox_mailbox_writes_total",
      help: "Sent copies and bounces written into senders' mailboxes",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
