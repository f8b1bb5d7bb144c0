// `postern sync ADDR` and backend options from the CLI, against a real Dovecot.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { uniqueSuffix } from "@postern/db/seed";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrl, TEST_SECRET_KEY, testPrisma } from "../../../test/helpers/db.ts";
import { type Dovecot, startDovecot } from "../../../test/helpers/dovecot.ts";
import { message } from "../../../test/helpers/imap.ts";

const root = path.resolve(import.meta.dirname, "../../..");
let dovecot: Dovecot;
let dataDir: string;

beforeAll(async () => {
  dovecot = await startDovecot({ users: [{ user: "cli", password: "cli-pass" }], pop3: false });
  dataDir = await mkdtemp(path.join(os.tmpdir(), "postern-cli-sync-"));
  await writeFile(path.join(dataDir, "secret.key"), `${TEST_SECRET_KEY}\n`, { mode: 0o600 });
}, 60_000);
afterAll(() => dovecot?.stop());

function cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", "apps/gateway/src/cli/main.ts", ...args],
      { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl(), POSTERN_DATA_DIR: dataDir }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? "");
  });
}

describe("postern sync", () => {
  it("links an IMAP backend with options, then syncs a mailbox on demand with a result it can print as JSON", async () => {
    for (let i = 1; i <= 5; i++) await dovecot.deliver("cli", message({ subject: `C${i}`, messageId: `<c${i}@cli>` }));
    const s = uniqueSuffix();
    const caFile = path.join(dataDir, "dovecot-ca.pem");
    await writeFile(caFile, dovecot.certPem);
    expect((await cli(["tenant", "create", "--name", `CLI Sync ${s}`, "--json"])).code).toBe(0);
    const b = await cli([
      "backend",
      "add",
      "--tenant",
      `cli-sync-${s}`,
      "--kind",
      "imap",
      "--host",
      "127.0.0.1",
      "--port",
      String(dovecot.imapPort),
      "--security",
      "starttls",
      "--poll-interval",
      "5",
      "--tls-ca",
      caFile,
      "--json",
    ]);
    expect(b.stderr).toBe("");
    const backend = JSON.parse(b.stdout);
    const row = await testPrisma().backend.findUnique({ where: { id: backend.id } });
    expect(row?.options).toMatchObject({ pollIntervalSeconds: 5 });
    expect(String((row?.options as { tlsCa?: string } | undefined)?.tlsCa)).toContain("BEGIN CERTIFICATE");
    const address = `cli@cli-sync-${s}.test`;
    const m = await cli(
      [
        "mailbox",
        "add",
        "--tenant",
        `cli-sync-${s}`,
        "--address",
        address,
        "--backend",
        backend.id,
        "--login",
        "cli",
        "--password-stdin",
      ],
      "cli-pass\n",
    );
    expect(m.code).toBe(0);
    const r = await cli(["sync", address, "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, address, messages: 5, ranHere: true });
    expect(out.folders).toBeGreaterThanOrEqual(6); // INBOX and the special-use folders Postern ensures
  }, 120_000);

  it("links a POP3 backend whose filed messages leave the server", async () => {
    const s = uniqueSuffix();
    expect((await cli(["tenant", "create", "--name", `CLI Pop ${s}`, "--json"])).code).toBe(0);
    const b = await cli([
      "backend",
      "add",
      "--tenant",
      `cli-pop-${s}`,
      "--kind",
      "pop3",
      "--host",
      "127.0.0.1",
      "--port",
      "110",
      "--pop3-remove-filed",
      "--json",
    ]);
    expect(b.stderr).toBe("");
    const row = await testPrisma().backend.findUnique({ where: { id: JSON.parse(b.stdout).id } });
    expect(row).toMatchObject({ kind: "pop3", options: { pop3LeaveOnServer: false } });
  }, 60_000);

  it("refuses bad options and hosted mailboxes with one line", async () => {
    const r = await cli(["backend", "add", "--tenant", "x", "--kind", "imap", "--host", "h", "--poll-interval", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--poll-interval must be/);
    const k = await cli(["backend", "add", "--tenant", "x", "--kind", "imap", "--host", "h", "--pop3-remove-filed"]);
    expect(k.code).toBe(2);
    expect(k.stderr).toMatch(/--pop3-remove-filed is for --kind pop3/);
    const t = await cli(["sync"]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/exactly one mailbox address/);
  }, 60_000);
});
