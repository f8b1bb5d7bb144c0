// The reference server comes from Debian: install Dovecot's IMAP server when
// it is missing (as root), or say exactly how to.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const NEEDED: Array<{ file: string; pkg: string }> = [
  { file: "/usr/sbin/dovecot", pkg: "dovecot-core" },
  { file: "/usr/lib/dovecot/imap", pkg: "dovecot-imapd" },
  { file: "/usr/bin/openssl", pkg: "openssl" },
];

export function ensureDovecot(log: (line: string) => void): void {
  const missing = [...new Set(NEEDED.filter((n) => !existsSync(n.file)).map((n) => n.pkg))];
  if (!missing.length) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`Dovecot is not installed; run: sudo apt-get install -y ${missing.join(" ")}`);
  }
  log(`installing Debian packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], { stdio: "inherit", env });
}

export function dovecotVersion(): string {
  return execFileSync("/usr/sbin/dovecot", ["--version"], { encoding: "utf8" }).trim();
}
