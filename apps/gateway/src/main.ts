// The gateway process. Started by the supervisor (scripts/start.ts) with
// DATABASE_URL set; started alone, it opens the embedded database itself.
import { openDatabase } from "@postern/db/database";
import { ConfigError, loadConfig } from "./config.ts";
import { startGateway } from "./gateway.ts";
import { createLog } from "./log.ts";

const log = createLog();
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    log.fatal({ err: err.message }, "invalid configuration");
    process.exit(2);
  }
  throw err;
}

const db = await openDatabase({ dataDir: config.dataDir, migrate: true, log: (line) => log.debug({ pg: line }) });
const gateway = await startGateway({ config, databaseUrl: db.url, log }).catch(async (err) => {
  log.fatal({ err }, "gateway failed to start");
  await db.close();
  process.exit(1);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down");
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  await gateway.close();
  await db.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
