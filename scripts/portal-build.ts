// Build the portal (`next build` in apps/web) when its sources changed since
// the last build: a hash of apps/web, packages/db/src, the gateway's backend
// drivers the portal imports, and the lockfile, stamped in apps/web/.next.
// A lock directory keeps two processes (npm start, test files running in
// parallel) from building at once; the second waits and then finds the
// stamp current.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
export const webDir = path.join(root, "apps/web");
const stamp = path.join(webDir, ".next", "postern-source-hash");
const lockDir = path.join(root, "apps/web/.build-lock");

export function portalSourceHash(): string {
  const h = createHash("sha256");
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (["node_modules", ".next", "generated", "test", ".build-lock"].includes(e.name)) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(`${p}:${statSync(p).size}:`).update(readFileSync(p));
    }
  };
  walk(webDir);
  walk(path.join(root, "packages/db/src"));
  walk(path.join(root, "apps/gateway/src/backends"));
  walk(path.join(root, "packages/protocol/src"));
  h.update(readFileSync(path.join(root, "pnpm-lock.yaml")));
  return h.digest("hex");
}

export function portalIsBuilt(): boolean {
  return existsSync(stamp) && readFileSync(stamp, "utf8") === portalSourceHash();
}

async function lock(): Promise<() => Promise<void>> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(path.join(lockDir, "pid"), String(process.pid));
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // A lock older than a build can take was left by a process that died.
      const age =
        Date.now() -
        (await stat(lockDir)
          .then((s) => s.mtimeMs)
          .catch(() => Date.now()));
      if (age > 5 * 60_000) await rm(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error("timed out waiting for another portal build");
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Build when needed; resolves true when a build ran. */
export async function buildPortalIfChanged(
  opts: { env?: NodeJS.ProcessEnv; say?: (m: string) => void } = {},
): Promise<boolean> {
  if (portalIsBuilt()) return false;
  const unlock = await lock();
  try {
    if (portalIsBuilt()) return false;
    opts.say?.("building the portal (first start or sources changed; about a minute)…");
    const hash = portalSourceHash();
    const code = await new Promise<number>((resolve) => {
      const child = spawn(path.join(webDir, "node_modules/.bin/next"), ["build"], {
        cwd: webDir,
        env: { ...(opts.env ?? process.env), NEXT_TELEMETRY_DISABLED: "1" },
        stdio: opts.say ? "inherit" : ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout?.on("data", (d) => (out = (out + d).slice(-20_000)));
      child.stderr?.on("data", (d) => (out = (out + d).slice(-20_000)));
      child.on("exit", (c) => {
        if (c !== 0 && !opts.say) process.stderr.write(out);
        resolve(c ?? 1);
      });
    });
    if (code !== 0) throw new Error(`next build failed (exit ${code})`);
    await writeFile(stamp, hash);
    return true;
  } finally {
    await unlock();
  }
}
