// `npm test`: every check, in the order a reviewer would run them —
// system packages the tests need, type checks, lint, then the whole test
// suite (unit, real servers and clients, browser).
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { SYSTEM_DEPS } from "./system-deps.ts";

const root = path.resolve(import.meta.dirname, "..");
const say = (msg: string) => process.stdout.write(`\n[test] ${msg}\n`);

function has(command: string): boolean {
  return (
    spawnSync("sh", ["-c", `command -v ${command} || test -x /usr/sbin/${command}`], { stdio: "ignore" }).status === 0
  );
}

function step(name: string, cmd: string, args: string[], cwd = root): void {
  say(name);
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd, stdio: "inherit", env: process.env });
  if (r.status !== 0) {
    say(`FAILED: ${name} (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  process.stdout.write(`[test] ${name}: ok in ${((Date.now() - t) / 1000).toFixed(1)}s\n`);
}

// ---- system packages -----------------------------------------------------
const missing = SYSTEM_DEPS.filter((d) => !has(d.command));
if (missing.length) {
  const pkgs = [...new Set(missing.map((d) => d.pkg))];
  const isRoot = process.getuid?.() === 0;
  if (isRoot && has("apt-get")) {
    say(`installing Debian packages: ${pkgs.join(" ")}`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...pkgs], { stdio: "inherit", env });
  } else {
    process.stderr.write(
      [
        "The tests need these Debian packages, which are not installed:",
        ...missing.map((d) => `  ${d.pkg.padEnd(16)} (${d.command}: ${d.why})`),
        "",
        "Install them with:",
        `  sudo apt-get install -y ${pkgs.join(" ")}`,
        "",
      ].join("\n"),
    );
    process.exit(1);
  }
}

// ---- static checks -------------------------------------------------------
const bin = (name: string) => path.join(root, "node_modules/.bin", name);
for (const project of ["packages/protocol", "packages/db", "apps/gateway", "apps/web", "."]) {
  step(`typecheck ${project}`, bin("tsc"), ["--noEmit", "-p", project]);
}
step("lint and format (biome)", bin("biome"), ["check", "."]);

// ---- the suite -----------------------------------------------------------
// Tests that assert latencies of a second or less (push from the backend,
// changes reaching it) run one file at a time after the rest: on two cores a
// neighbour test can take the CPU for longer than the deadline. The fuzz
// test, which keeps both cores busy, runs last and alone.
const LATENCY = ["apps/gateway/test/sync-imap.test.ts", "apps/gateway/test/imap-sessions.test.ts"];
const FUZZ = "apps/gateway/test/imap-fuzz.test.ts";
const extra = process.argv.slice(2);
if (extra.length) step("tests (vitest)", bin("vitest"), ["run", ...extra]);
else {
  const excludes = [...LATENCY, FUZZ].flatMap((f) => ["--exclude", f]);
  step("tests (vitest)", bin("vitest"), ["run", ...excludes]);
  step("latency tests, one file at a time (vitest)", bin("vitest"), ["run", "--no-file-parallelism", ...LATENCY]);
  step("fuzz (vitest)", bin("vitest"), ["run", FUZZ]);
}
say("all checks passed");
