// A real gateway in the test process, on free loopback ports, with its own
// data directory (certificate, key file) and the run's database.
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { DeviceAuthOptions } from "../../apps/gateway/src/auth/devices.ts";
import { loadConfig } from "../../apps/gateway/src/config.ts";
import { type Gateway, startGateway } from "../../apps/gateway/src/gateway.ts";
import { createLog } from "../../apps/gateway/src/log.ts";
import type { SmtpLimits } from "../../apps/gateway/src/smtp/limits.ts";
import type { ConnectionLimits } from "../../packages/protocol/src/limits.ts";
import { databaseUrl, TEST_SECRET_KEY } from "./db.ts";

/**
 * Failed logins are answered after 10 ms here (1 s in production) so tests
 * that try wrong passwords stay fast; pass `auth` to test the real policy.
 */
export async function startTestGateway(
  env: Record<string, string> = {},
  opts: { auth?: DeviceAuthOptions; smtpLimits?: Partial<SmtpLimits>; imapLimits?: Partial<ConnectionLimits> } = {},
): Promise<Gateway & { dataDir: string }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "postern-gw-"));
  // The key the test context encrypted backend passwords with (test/helpers/db.ts).
  await writeFile(path.join(dataDir, "secret.key"), `${TEST_SECRET_KEY}\n`, { mode: 0o600 });
  const config = loadConfig({
    POSTERN_DATA_DIR: dataDir,
    POSTERN_BIND: "127.0.0.1",
    POSTERN_PUBLIC_HOST: "mail.postern.test",
    IMAP_PORT: "0",
    IMAPS_PORT: "0",
    SMTP_PORT: "0",
    SMTPS_PORT: "0",
    GATEWAY_HTTP_PORT: "0",
    // Only tests about backends run the sync engine: every test gateway
    // shares one database, and a gateway syncing another file's mailboxes
    // adds load and latency nobody is measuring.
    POSTERN_SYNC: "false",
    // Likewise the outbox worker: any gateway's worker sends any queued message.
    POSTERN_OUTBOX: "false",
    ...env,
  });
  const log = createLog({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const gw = await startGateway({
    config,
    databaseUrl: databaseUrl(),
    log,
    auth: opts.auth ?? { failureDelayMs: 10 },
    smtpLimits: opts.smtpLimits,
    imapLimits: opts.imapLimits,
  });
  return Object.assign(gw, { dataDir });
}
