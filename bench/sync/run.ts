// `npm run bench:sync`: Postern's sync engine against a real Dovecot — the
// first indexing of a big INBOX, then push latency (backend → phone) next to
// Dovecot's own, a phone's \Seen reaching the backend, and the first
// indexing of a POP3 maildrop next to Python's poplib. A table, and
// bench/.results/sync-<time>.json. See bench/README.md.
import os from "node:os";
import path from "node:path";
import { memoryOf } from "../imap/memory.ts";
import { parseArgs, USAGE, UsageError } from "./args.ts";
import { BACKEND_PASSWORD, BACKEND_USER, type Backend, POP3_PASSWORD, POP3_USER, startBackend } from "./dovecot.ts";
import { measureIndexing } from "./indexing.ts";
import { measureLatency } from "./latency.ts";
import { measurePop3 } from "./pop3.ts";
import { type Postern, startPostern } from "./postern.ts";
import { type SyncRun, table, writeJson } from "./report.ts";

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed === "help") {
  process.stdout.write(USAGE);
  process.exit(0);
}
const options = parsed;

let backend: Backend | null = null;
let postern: Postern | null = null;
const stopAll = async () => {
  // The gateway first (Postern's stop ends it, then PostgreSQL), then its backend.
  await postern?.stop().catch(() => {});
  await backend?.dovecot.stop().catch(() => {});
  postern = null;
  backend = null;
};
process.once("SIGINT", () => {
  log("interrupted; stopping the gateway, PostgreSQL and Dovecot");
  void stopAll().finally(() => process.exit(130));
});

const startedAt = new Date();
const run: SyncRun = { setup: {}, load: { start: os.loadavg()[0] }, errors: [] };
const backendUser = { user: BACKEND_USER, password: BACKEND_PASSWORD };
try {
  log(`dovecot: loading ${options.messages} messages`);
  backend = await startBackend({ messages: options.messages, pop3Messages: options.pop3Messages, log });
  run.setup.dovecot = backend.details;
  postern = await startPostern({ dovecot: backend.dovecot, backendUser, log });
  run.setup.postern = postern.details;

  log("postern: starting the gateway; timing the first sync");
  const { gateway, result } = await measureIndexing(postern, { messages: options.messages, log });
  run.indexing = result;
  log(`postern: ${options.messages} messages indexed in ${(result.indexedMs / 1000).toFixed(2)} s`);

  const latency = await measureLatency({
    dovecot: backend.dovecot,
    backendUser,
    gateway: { port: gateway.imapPort, user: postern.phone.address, password: postern.phone.password },
    messages: options.messages,
    samples: options.samples,
    spacingMs: options.spacingMs,
    log,
  });
  run.push = latency.push;
  run.seen = latency.seen;
  for (const phase of [latency.push, latency.seen]) if (phase.error) run.errors.push(phase.error);
  run.finalRssKb = memoryOf([gateway.pid]).rssKb;

  if (options.pop3Messages > 0) {
    // After phase b, with the gateway running: the POP3 mailbox is added now, so its sync overlaps nothing.
    try {
      run.pop3 = await measurePop3({
        postern,
        gateway,
        dovecot: backend.dovecot,
        user: { user: POP3_USER, password: POP3_PASSWORD },
        messages: options.pop3Messages,
        log,
      });
    } catch (err) {
      run.errors.push(`POP3 indexing: ${(err as Error).message}`);
      log((err as Error).message);
    }
  }
} catch (err) {
  run.errors.push((err as Error).message);
  log((err as Error).message);
} finally {
  await stopAll();
}

run.load.end = os.loadavg()[0];
process.stdout.write(`\n${table(run, options)}\n`);
const file = await writeJson(path.resolve(import.meta.dirname, "../.results"), run, { options, startedAt });
process.stdout.write(`\nresults: ${path.relative(process.cwd(), file)}\n`);
process.exit(run.errors.length ? 1 : 0);
