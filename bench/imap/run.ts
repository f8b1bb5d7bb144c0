// `npm run bench:imap`: Postern's IMAP gateway against Dovecot on the same
// messages, one server after the other (they would compete for the same
// cores), then a table and bench/.results/imap-<time>.json. See bench/README.md.
import path from "node:path";
import { parseArgs, USAGE, UsageError } from "./args.ts";
import { startDovecotTarget } from "./dovecot-target.ts";
import { startPosternTarget } from "./postern-target.ts";
import { type Run, table, writeJson } from "./report.ts";
import type { BenchTarget, TargetName } from "./target.ts";
import { runWorkloads } from "./workloads.ts";

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

let options: ReturnType<typeof parseArgs>;
try {
  options = parseArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options === "help") {
  process.stdout.write(USAGE);
  process.exit(0);
}
const { sizes, targets, quick } = options;

const starters: Record<TargetName, typeof startDovecotTarget> = {
  dovecot: startDovecotTarget,
  postern: startPosternTarget,
};

// Ctrl-C: stop the server being measured (Dovecot, or the gateway and its
// PostgreSQL) before leaving.
let current: BenchTarget | null = null;
process.once("SIGINT", () => {
  log("interrupted; stopping the server under test");
  void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});

const startedAt = new Date();
const run: Run = {};
for (const name of targets) {
  const t0 = performance.now();
  log(`${name}: setting up with ${sizes.messages} messages`);
  try {
    current = await starters[name]({ messages: sizes.messages, log });
  } catch (err) {
    const message = (err as Error).message;
    run[name] = { error: message.startsWith(`${name}:`) ? message : `${name}: ${message}` };
    log(run[name].error!);
    continue;
  }
  try {
    const results = await runWorkloads(current, sizes, log);
    run[name] = { details: current.details, results };
  } finally {
    await current.stop();
    current = null;
  }
  log(`${name}: done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

process.stdout.write(`\n${table(run, sizes)}\n`);
const file = await writeJson(path.resolve(import.meta.dirname, "../.results"), run, { sizes, startedAt, quick });
process.stdout.write(`\nresults: ${path.relative(process.cwd(), file)}\n`);
const failed = Object.values(run).some((r) => r.error || r.results?.errors.length);
process.exit(failed ? 1 : 0);
