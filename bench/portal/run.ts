// `npm run bench:portal`: every portal page, server response time, with one
// tenant of 1,000 mailboxes and 5,000 devices on the embedded PostgreSQL and
// the built portal (`next start`). Median of several requests per page after
// a warm-up; target under 200 ms. A table, and bench/.results/portal-<time>.json.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { createPrisma } from "@postern/db";
import { migrate } from "@postern/db/database";
import { startEmbedded } from "@postern/db/embedded";
import { createEnrollment } from "@postern/db/provisioning";
import { Keyring, newKey } from "@postern/db/secrets";
import { buildPortalIfChanged, webDir } from "../../scripts/portal-build.ts";
import { OWNER, seed } from "./seed.ts";

const SIZE = { mailboxes: 1000, devices: 5000, messagesPerMailbox: 20 };
const RUNS = Number(process.env.BENCH_RUNS || 9);
const TARGET_MS = 200;
const log = (l: string) => process.stderr.write(`[bench] ${l}\n`);
const root = path.resolve(import.meta.dirname, "../..");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

const dir = await mkdtemp(path.join(os.tmpdir(), "postern-bench-portal-"));
await chmod(dir, 0o755);
let portal: ChildProcess | null = null;
const db = await startEmbedded({ dataDir: path.join(dir, "db"), port: 0 });
try {
  await migrate(db.url);
  const key = newKey();
  await writeFile(path.join(dir, "secret.key"), `${key}\n`, { mode: 0o600 });
  const prisma = createPrisma(db.url, { poolSize: 4 });
  const ctx = { prisma, keyring: new Keyring([Buffer.from(key, "base64")]), actor: "bench" };
  log(`seeding ${SIZE.mailboxes} mailboxes, ${SIZE.devices} devices…`);
  const t0 = Date.now();
  const s = await seed(ctx, SIZE);
  log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  if (await buildPortalIfChanged({ say: log })) log("portal built");
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  portal = spawn(path.join(webDir, "node_modules/.bin/next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: webDir,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      POSTERN_DATA_DIR: dir,
      NEXTAUTH_URL: base,
      NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (const deadline = Date.now() + 60_000; ; ) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error("the portal did not start");
    await new Promise((r) => setTimeout(r, 200));
  }

  // Sign in as a browser does.
  const cookies = new Map<string, string>();
  const take = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = await fetch(`${base}/api/auth/csrf`);
  take(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  take(
    await fetch(`${base}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
      body: new URLSearchParams({ csrfToken, email: OWNER.email, password: OWNER.password, json: "true" }),
      redirect: "manual",
    }),
  );
  if (!cookie().includes("session-token")) throw new Error("sign-in failed");

  const t = `/t/${s.slug}`;
  const lastDevices = Math.ceil(SIZE.devices / 50);
  const pages: Array<{
    name: string;
    path: string | (() => Promise<string>);
    method?: string;
    body?: string;
    ua?: string;
  }> = [
    { name: "landing", path: "/" },
    { name: "sign in", path: "/login" },
    { name: "sign up", path: "/signup" },
    { name: "overview", path: t },
    { name: "mail systems", path: `${t}/backends` },
    { name: "mail system", path: `${t}/backends/${s.backendId}` },
    { name: "link a mail system", path: `${t}/backends/new?kind=imap` },
    { name: "mailboxes, page 1", path: `${t}/mailboxes` },
    { name: "mailboxes, page 20", path: `${t}/mailboxes?page=20` },
    { name: "mailboxes, search", path: `${t}/mailboxes?q=user007` },
    { name: "mailbox", path: `${t}/mailboxes/${s.mailboxId}` },
    { name: "add mailbox", path: `${t}/mailboxes/new` },
    { name: "import mailboxes", path: `${t}/mailboxes/import` },
    { name: "devices, page 1", path: `${t}/devices` },
    { name: `devices, page ${lastDevices}`, path: `${t}/devices?page=${lastDevices}` },
    { name: "devices, search", path: `${t}/devices?q=user00500` },
    { name: "device timeline", path: `${t}/devices/${s.deviceId}` },
    { name: "team", path: `${t}/team` },
    { name: "audit log", path: `${t}/audit` },
    { name: "autoconfig", path: "/mail/config-v1.1.xml?emailaddress=user00001@bench.example" },
    {
      name: "autodiscover",
      path: "/autodiscover/autodiscover.xml",
      method: "POST",
      body: "<Autodiscover><Request><EMailAddress>user00001@bench.example</EMailAddress></Request></Autodiscover>",
    },
    {
      name: "setup link (Android)",
      // A fresh link each time: each is spent by the request (one scrypt hash of the new app password).
      path: async () =>
        `/enroll/${(await createEnrollment(ctx, { tenantId: s.tenantId, mailboxId: s.mailboxId, name: "bench", createdBy: "bench" })).token}`,
      ua: "Mozilla/5.0 (Linux; Android 15) Mobile",
    },
  ];

  const results: Array<{
    page: string;
    path: string;
    status: number;
    medianMs: number;
    p90Ms: number;
    minMs: number;
    bytes: number;
  }> = [];
  for (const p of pages) {
    const times: number[] = [];
    let status = 0;
    let bytes = 0;
    let shown = "";
    for (let i = 0; i < RUNS + 2; i++) {
      const url = typeof p.path === "string" ? p.path : await p.path();
      shown = typeof p.path === "string" ? p.path : "/enroll/<token>";
      const start = performance.now();
      const res = await fetch(`${base}${url}`, {
        method: p.method ?? "GET",
        body: p.body,
        headers: { cookie: cookie(), ...(p.ua ? { "user-agent": p.ua } : {}) },
        redirect: "manual",
      });
      const text = await res.arrayBuffer();
      const ms = performance.now() - start;
      status = res.status;
      bytes = text.byteLength;
      if (i >= 2) times.push(ms); // the first two warm the route up
    }
    times.sort((a, b) => a - b);
    const q = (f: number) => times[Math.min(times.length - 1, Math.floor(f * times.length))];
    results.push({
      page: p.name,
      path: shown,
      status,
      medianMs: +q(0.5).toFixed(1),
      p90Ms: +q(0.9).toFixed(1),
      minMs: +times[0].toFixed(1),
      bytes,
    });
  }

  const w = Math.max(...results.map((r) => r.page.length));
  const lines = [
    `Portal pages — ${SIZE.mailboxes.toLocaleString("en")} mailboxes, ${SIZE.devices.toLocaleString("en")} devices in one tenant; median of ${RUNS} (target < ${TARGET_MS} ms)`,
    "",
    `${"page".padEnd(w)}  status  median ms  p90 ms    KiB  `,
    ...results.map(
      (r) =>
        `${r.page.padEnd(w)}  ${String(r.status).padStart(6)}  ${r.medianMs.toFixed(1).padStart(9)}  ${r.p90Ms.toFixed(1).padStart(6)}  ${(r.bytes / 1024).toFixed(0).padStart(5)}  ${r.medianMs < TARGET_MS ? "ok" : "SLOW"}`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  await mkdir(path.join(root, "bench/.results"), { recursive: true });
  const file = path.join(root, "bench/.results", `portal-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(
    file,
    JSON.stringify(
      {
        when: new Date().toISOString(),
        size: SIZE,
        runs: RUNS,
        targetMs: TARGET_MS,
        machine: { cpus: os.cpus().length, node: process.version },
        results,
      },
      null,
      2,
    ),
  );
  process.stdout.write(`\nresults: ${path.relative(root, file)}\n`);
  await prisma.$disconnect();
  const slow = results.filter((r) => r.medianMs >= TARGET_MS || r.status >= 400);
  if (slow.length) process.exitCode = 1;
} finally {
  if (portal && portal.exitCode === null) {
    const gone = new Promise((r) => portal!.once("exit", r));
    portal.kill("SIGTERM");
    await gone;
  }
  await db.stop();
  await rm(dir, { recursive: true, force: true });
}
