// The operating-system side of a private Dovecot (see dovecot.ts): the
// account that owns the mail, and the processes of an instance.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const MAIL_USER = "postern-mail";

/** The non-root owner of the mail: `postern-mail` (created if missing) as root, else ourselves. */
export function ensureMailUser(): { name: string; uid: number; gid: number } {
  if (process.getuid?.() !== 0) {
    const me = os.userInfo();
    return { name: me.username, uid: me.uid, gid: me.gid };
  }
  const lookup = () => passwdEntry(MAIL_USER);
  const found = lookup();
  if (found) return found;
  try {
    execFileSync("useradd", [
      ...["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent"],
      ...["--shell", "/usr/sbin/nologin", "--comment", "Postern test mail", MAIL_USER],
    ]);
  } catch (err) {
    // Another test worker may have created it a moment ago (useradd exits 9).
    if (!lookup()) throw new Error(`dovecot: cannot create system user ${MAIL_USER}: ${(err as Error).message}`);
  }
  return lookup()!;
}

export function groupName(gid: number): string {
  const line = readText("/etc/group")
    .split("\n")
    .find((l) => l.split(":")[2] === String(gid));
  return line?.split(":")[0] ?? String(gid);
}

export function passwdEntry(name: string): { name: string; uid: number; gid: number } | null {
  const f = readText("/etc/passwd")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`))
    ?.split(":");
  return f ? { name, uid: Number(f[2]), gid: Number(f[3]) } : null;
}

/** Remove instances left by a process that died without cleaning up (SIGKILL, OOM). */
export function sweepStale(prefix: string): void {
  for (const name of readdirSync(os.tmpdir())) {
    if (!name.startsWith(prefix)) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(readText(path.join(dir, "owner.pid")));
    if (!owner || alive(owner)) continue;
    const master = Number(readText(path.join(dir, "run", "master.pid")));
    // Only signal a pid that is still this instance's Dovecot (pids get reused).
    if (master && readText(`/proc/${master}/cmdline`).includes(dir)) killTree(master);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function readText(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function killTree(pid: number, signal: NodeJS.Signals = "SIGTERM"): void {
  for (const p of [...processTree(pid)].reverse()) {
    try {
      process.kill(p, signal);
    } catch {}
  }
}

/** pid and all its descendants, parents first (from /proc/<pid>/stat). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readText(`/proc/${name}/stat`);
    // The command name in parentheses may contain spaces: the ppid is the 2nd field after ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid)!.push(Number(name));
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}
