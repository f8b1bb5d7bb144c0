// The portal's structured log: one JSON line per event on stdout, like the
// gateway's. Never pass a secret here.
import "server-only";

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const min = ORDER[(process.env.LOG_LEVEL as Level) ?? "info"] ?? 20;
  if (ORDER[level] < min) return;
  const line = JSON.stringify({ level, time: new Date().toISOString(), name: "portal", msg, ...fields });
  if (ORDER[level] >= ORDER.warn) process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}
