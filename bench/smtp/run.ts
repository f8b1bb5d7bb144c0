// `npm run bench:smtp`: SMTP submission and the outbox.
//   a. accept-and-persist: 10 phones at once submit 10 KB messages to the
//      gateway (implicit TLS, AUTH once per phone); each `250` comes after
//      the message is committed to PostgreSQL. Target ≥ 200 messages/s.
//   b. relay: the gateway's outbox worker hands the stored messages to a
//      local Postfix (STARTTLS, 5 pooled connections), next to
//   c. the same messages sent straight to that Postfix by a plain client
//      with as many connections. Target: b ≥ 0.8 × c.
// A table, and bench/.results/smtp-<time>.json. See bench/README.md.
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Postfix, startPostfix } from "../../test/helpers/postfix.ts";
import {
  type RelayMeasure,
  requeueAll,
  type SubmitResult,
  sendDirect,
  storedMessages,
  submitAll,
  waitRelayed,
} from "./load.ts";
import { type Postern, startPostern } from "./postern.ts";

const PHONES = 10;
/**
 * b and c alternate this many times and the median is reported: on a shared
 * two-core machine a single pass moves by ±20% with whatever else runs. A
 * first, untimed round warms both (the freshly started gateway's code and
 * its relay connections; the client's code is warm from a).
 */
const ROUNDS = 3;
/** Postern's default pool per relay (outbox/relay.ts), used by the baseline client too. */
const RELAY_CONNECTIONS = 5;
const TARGET_ACCEPT_PER_S = 200;
const TARGET_RELAY_RATIO = 0.8;

const USAGE = `usage: npm run bench:smtp [-- --messages N | --quick]
  --messages N   messages in all, split over ${PHONES} phones (default 2000; at most 200 per phone,
                 each device's hourly limit)
  --quick        500 messages
`;

function parseArgs(argv: string[]): { messages: number } | "help" {
  let messages = 2000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") return "help";
    if (a === "--quick") messages = 500;
    else if (a === "--messages") messages = Number(argv[++i]);
    else throw new Error(`unknown option ${a}\n\n${USAGE}`);
  }
  if (!Number.isInteger(messages) || messages < PHONES || messages > PHONES * 200)
    throw new Error(`--messages must be ${PHONES}–${PHONES * 200}\n\n${USAGE}`);
  return { messages: messages - (messages % PHONES) };
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface SmtpRun {
  messages: number;
  setup: Record<string, unknown>;
  accept?: SubmitResult & { rate: number; p50: number; p95: number };
  relay?: RelayMeasure;
  direct?: RelayMeasure;
  warmup?: { relay: RelayMeasure; direct: RelayMeasure };
  rounds: Array<{ relay: RelayMeasure; direct: RelayMeasure; ratio: number }>;
  errors: string[];
}

let options: { messages: number };
try {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed === "help") {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  options = parsed;
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}

const percentile = (v: number[], p: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length, Math.max(1, Math.ceil(p * s.length))) - 1] : 0;
};

const run: SmtpRun = { messages: options.messages, setup: {}, errors: [], rounds: [] };
let postfix: Postfix | null = null;
let postern: Postern | null = null;
const startedAt = new Date();
try {
  // Discards what it accepts: the benchmark times handing mail to the MTA, not the MTA's delivery.
  postfix = await startPostfix();
  run.setup.postfix = {
    version: spawnSync("postconf", ["-h", "mail_version"]).stdout?.toString().trim(),
    transport: "discard",
  };
  postern = await startPostern({ relay: postfix, phones: PHONES });
  run.setup.postern = postern.details;

  log(`a. ${PHONES} phones submit ${options.messages} messages of 10 KB (outbox worker off)`);
  let gw = await postern.startGateway({ outbox: false });
  const accepted = await submitAll({
    port: gw.smtpsPort,
    ca: gw.ca,
    phones: postern.phones,
    perPhone: options.messages / PHONES,
  });
  run.accept = {
    ...accepted,
    rate: (accepted.accepted * 1000) / accepted.ms,
    p50: percentile(accepted.latencies, 0.5),
    p95: percentile(accepted.latencies, 0.95),
  };
  for (const f of accepted.failures.slice(0, 5)) run.errors.push(`submit: ${f}`);
  const stored = (await postern.pool.query("SELECT count(*)::int AS n FROM outbound_message")).rows[0].n;
  if (stored !== accepted.accepted) run.errors.push(`${accepted.accepted} accepted but ${stored} in the outbox`);
  await gw.stop();

  // Each phase starts with Postfix idle: its delivery of the last phase's mail would compete.
  log(`b/c. relaying through the outbox vs straight to Postfix, a warm-up round and ${ROUNDS} timed ones`);
  gw = await postern.startGateway({ outbox: true });
  const messages = await storedMessages(postern.pool);
  for (let round = 0; round <= ROUNDS; round++) {
    if (round > 0) await requeueAll(postern.pool);
    const relay = await waitRelayed(postern.pool, accepted.accepted, 300_000);
    await postfix.drained();
    const direct = await sendDirect({
      port: postfix.port,
      ca: postfix.certPem,
      connections: RELAY_CONNECTIONS,
      messages,
    });
    await postfix.drained();
    run.errors.push(...relay.failures, ...direct.failures.slice(0, 5));
    log(
      `round ${round || "0 (warm-up)"}: relay ${relay.rate.toFixed(0)} msg/s, direct ${direct.rate.toFixed(0)} msg/s`,
    );
    if (round === 0) run.warmup = { relay, direct };
    else run.rounds.push({ relay, direct, ratio: direct.rate ? relay.rate / direct.rate : 0 });
  }
  await gw.stop();
  const median = <T>(xs: T[], key: (x: T) => number) =>
    [...xs].sort((x, y) => key(x) - key(y))[Math.floor(xs.length / 2)];
  run.relay = median(run.rounds, (r) => r.relay.rate).relay;
  run.direct = median(run.rounds, (r) => r.direct.rate).direct;
} catch (err) {
  run.errors.push((err as Error).message);
  log((err as Error).message);
} finally {
  await postern?.stop();
  await postfix?.destroy();
}

// The median of the rounds' ratios (each round's b and c ran back to back, under the same load).
const ratios = run.rounds.map((r) => r.ratio).sort((x, y) => x - y);
const ratio = ratios.length ? ratios[Math.floor(ratios.length / 2)] : 0;
const fmt = (n: number | undefined, digits = 0) => (n === undefined ? "-" : n.toFixed(digits));
const ok = (good: boolean) => (good ? "ok" : "MISSED");
const lines = [
  `SMTP benchmark: ${options.messages} messages of 10 KB, ${PHONES} phones; relay over ${RELAY_CONNECTIONS} connections`,
  "",
  "   measurement                                       result            target",
  `a  accept-and-persist (250 after commit)            ${fmt(run.accept?.rate).padStart(6)} msg/s      ≥ ${TARGET_ACCEPT_PER_S} msg/s  ${ok((run.accept?.rate ?? 0) >= TARGET_ACCEPT_PER_S)}`,
  `   per message at the phone, p50 / p95               ${fmt(run.accept?.p50, 1)} / ${fmt(run.accept?.p95, 1)} ms`,
  `b  relay through Postern's outbox → Postfix        ${fmt(run.relay?.rate).padStart(6)} msg/s      (median of ${run.rounds.length})`,
  `c  straight to Postfix, same messages               ${fmt(run.direct?.rate).padStart(6)} msg/s      (median of ${run.rounds.length})`,
  `   ratio b / c, median of the rounds'                ${fmt(ratio, 2).padStart(6)}            ≥ ${TARGET_RELAY_RATIO}  ${ok(ratio >= TARGET_RELAY_RATIO)}`,
  `   rounds (b / c msg/s): ${run.rounds.map((r) => `${fmt(r.relay.rate)} / ${fmt(r.direct.rate)} = ${fmt(r.ratio, 2)}`).join(";  ")}`,
  ...(run.errors.length ? ["", "errors:", ...run.errors.map((e) => `  ${e}`)] : []),
];
process.stdout.write(`${lines.join("\n")}\n`);

const dir = path.resolve(import.meta.dirname, "../.results");
await mkdir(dir, { recursive: true });
const file = path.join(dir, `smtp-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
const { latencies: _samples, ...acceptSummary } = run.accept ?? { latencies: [] };
await writeFile(
  file,
  `${JSON.stringify(
    {
      startedAt,
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        memGb: os.totalmem() / 2 ** 30,
        node: process.version,
      },
      ...run,
      accept: run.accept ? { ...acceptSummary, latencies: run.accept.latencies } : undefined,
      ratio,
      targets: { acceptPerSecond: TARGET_ACCEPT_PER_S, relayRatio: TARGET_RELAY_RATIO },
    },
    null,
    2,
  )}\n`,
);
log(`results: ${path.relative(process.cwd(), file)}`);
process.exit(run.errors.length || (run.accept?.rate ?? 0) < TARGET_ACCEPT_PER_S || ratio < TARGET_RELAY_RATIO ? 1 : 0);
