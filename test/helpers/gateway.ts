// A real gateway in the test process, on free loopback ports, with its own
// data directory (certificate, key file) and the run's database.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { DeviceAuthOptions } from "../../apps/gateway/src/auth/devices.ts";
import { loadConfig } from "../../apps/gateway/src/config.ts";
import { type Gateway, startGateway } from "../../apps/gateway/src/gateway.ts";
import { createLog } from "../../apps/gateway/src/log.ts";
import { databaseUrl } from "./db.ts";

/**
 * Failed logins are answered after 10 ms here (1 s in production) so tests
 * that try wrong passwords stay fast; pass `auth` to test the real policy.
 */
export async function startTestGateway(
  env: Record<string, string> = {},
  opts: { auth?: DeviceAuthOptions } = {},
): Promise<Gateway & { dataDir: string }> {
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
  const gw = await startGateway({ config, databaseUrl: databaseUrl(), log, auth: opts.auth ?? { failureDelayMs: 10 } });
  return Object.assign(gw, { dataDir });
}
