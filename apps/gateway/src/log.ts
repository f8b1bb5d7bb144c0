// Structured JSON logs (pino). Secrets are redacted by path wherever they
// could appear; code never logs a password on purpose, this is the net.
import pino from "pino";

export type Log = pino.Logger;

export function createLog(opts: { level?: string; name?: string } = {}): Log {
  return pino({
    name: opts.name ?? "gateway",
    level: opts.level ?? process.env.LOG_LEVEL ?? "info",
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["password", "*.password", "secret", "*.secret", "pass", "*.pass", "auth.pass", "credentials"],
      censor: "[redacted]",
    },
    serializers: { err: pino.stdSerializers.err },
  });
}
