// A real gateway in the test process, on free loopback ports, with its own
// data directory (certificate, key file) and the run's database.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../apps/gateway/src/config.ts";
import { type Gateway, startGateway } from "../../apps/gateway/src/gateway.ts";
import { createLog } from "../../apps/gateway/src/log.ts";
import { databaseUrl } from "./db.ts";

export async function startTestGateway(env: Record<string, string> = {}): Promise<Gateway & { dataDir: string }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "postern-gw-"));
  const config = loadConfig({
    POSTERN_DATA_DIR: dataDir,
    POSTERN_BIND: "127.0.0.1",
    POSTERN_PUBLIC_HOST: "mail.postern.test",
    IMAP_PORT: "0",
    IMAPS_PORT: "0",
    SMTP_PORT: "0",
    SMTPS_PORT: "0",
    GATEWAY_HTTP_PORT: "0",
    ...env,
  });
  const log = createLog({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const gw = await startGateway({ config, databaseUrl: databaseUrl(), log });
  return Object.assign(gw, { dataDir });
}
