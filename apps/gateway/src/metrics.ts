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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
