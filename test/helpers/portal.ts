// The real portal for tests: built once (scripts/portal-build.ts), run with
// `next start` on a free port against the run's database, with the run's
// secret key. Helpers sign in over HTTP the way a browser does, and call
// server actions the way the portal's own forms do (POST with Next-Action).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildPortalIfChanged, webDir } from "../../scripts/portal-build.ts";
import { databaseUrl, TEST_SECRET_KEY } from "./db.ts";
import { eventually, freePort } from "./ports.ts";

export interface Portal {
  url: string;
  port: number;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startPortal(env: Record<string, string> = {}): Promise<Portal> {
  await buildPortalIfChanged();
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "postern-portal-"));
  await writeFile(path.join(dataDir, "secret.key"), `${TEST_SECRET_KEY}\n`, { mode: 0o600 });
  const url = `http://127.0.0.1:${port}`;
  let out = "";
  const child: ChildProcess = spawn(
    path.join(webDir, "node_modules/.bin/next"),
    ["start", "-p", String(port), "-H", "127.0.0.1"],
    {
      cwd: webDir,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl(),
        POSTERN_DATA_DIR: dataDir,
        NEXTAUTH_URL: url,
        NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
        NEXT_TELEMETRY_DISABLED: "1",
        POSTERN_PUBLIC_HOST: "mail.postern.test",
        // Tests sign in and up many times from one address.
        POSTERN_SIGNIN_LIMIT_IP: "10000",
        POSTERN_SIGNUP_LIMIT_IP: "10000",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (d) => (out = (out + d).slice(-50_000)));
  child.stderr?.on("data", (d) => (out = (out + d).slice(-50_000)));
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`portal exited:\n${out}`);
      return (await fetch(`${url}/api/health`)).ok;
    },
    60_000,
    "the portal to answer",
  );
  return {
    url,
    port,
    dataDir,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await gone;
    },
  };
}

/** Cookies as a browser keeps them, enough for next-auth. */
export class CookieJar {
  private cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** Sign in through next-auth's credentials callback, as the login form does. */
export async function signIn(base: string, email: string, password: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const csrf = await fetch(`${base}/api/auth/csrf`);
  jar.take(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
    redirect: "manual",
  });
  jar.take(res);
  if (!jar.header().includes("session-token"))
    throw new Error(`sign-in failed for ${email}: ${res.status} ${await res.text()}`);
  return jar;
}

/** The id of a server action, by file (relative to the repository) and export name. */
export function actionId(file: string, exportedName: string): string {
  const manifest = JSON.parse(
    readFileSync(path.join(webDir, ".next/server/server-reference-manifest.json"), "utf8"),
  ) as {
    node: Record<string, { filename?: string; exportedName?: string }>;
  };
  for (const [id, a] of Object.entries(manifest.node)) {
    if (a.filename === file && a.exportedName === exportedName) return id;
  }
  throw new Error(`no server action ${exportedName} in ${file}`);
}

/** Call a server action as the portal's forms do; returns its result and the raw response text. */
export async function callAction(
  base: string,
  jar: CookieJar | null,
  page: string,
  file: string,
  name: string,
  args: unknown[],
): Promise<{ status: number; result: unknown; text: string }> {
  const res = await fetch(`${base}${page}`, {
    method: "POST",
    headers: {
      "next-action": actionId(file, name),
      "content-type": "text/plain;charset=UTF-8",
      accept: "text/x-component",
      ...(jar ? { cookie: jar.header() } : {}),
    },
    body: JSON.stringify(args),
    redirect: "manual",
  });
  const raw = Buffer.from(await res.arrayBuffer());
  const text = raw.toString("utf8");
  return { status: res.status, result: flightRow(raw, "1"), text };
}

/**
 * A value from a React Flight (RSC) answer: rows "<hex id>:<json>\n", or
 * "<hex id>:T<hex byte length>,<text>" for long strings, which other rows
 * reference as "$<hex id>". The action's return value is row 1.
 */
export function flightRow(raw: Buffer, id: string): unknown {
  const rows = new Map<string, unknown>();
  let i = 0;
  while (i < raw.length) {
    const colon = raw.indexOf(":", i);
    if (colon < 0) break;
    const rowId = raw.subarray(i, colon).toString();
    if (raw[colon + 1] === 0x54 /* T */) {
      const comma = raw.indexOf(",", colon);
      const len = Number.parseInt(raw.subarray(colon + 2, comma).toString(), 16);
      rows.set(rowId, { text: raw.subarray(comma + 1, comma + 1 + len).toString("utf8") });
      i = comma + 1 + len;
    } else {
      const nl = raw.indexOf("\n", colon);
      const end = nl < 0 ? raw.length : nl;
      try {
        rows.set(rowId, JSON.parse(raw.subarray(colon + 1, end).toString("utf8")));
      } catch {
        rows.set(rowId, raw.subarray(colon + 1, end).toString("utf8"));
      }
      i = end + 1;
    }
  }
  const resolve = (v: unknown): unknown => {
    if (typeof v === "string" && /^\$[0-9a-f]+$/.test(v)) {
      const r = rows.get(v.slice(1));
      return r && typeof r === "object" && "text" in r ? (r as { text: string }).text : resolve(r);
    }
    if (typeof v === "string" && v.startsWith("$$")) return v.slice(1);
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  return rows.has(id) ? resolve(rows.get(id)) : null;
}
