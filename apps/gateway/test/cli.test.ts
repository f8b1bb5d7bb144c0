// The admin CLI as an admin runs it: a real subprocess, --json parsed from stdout.
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { uniqueSuffix } from "@postern/db/seed";
import { beforeAll, describe, expect, it } from "vitest";
import { databaseUrl } from "../../../test/helpers/db.ts";

const root = path.resolve(import.meta.dirname, "../../..");
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "postern-cli-"));
});

function cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", "apps/gateway/src/cli/main.ts", ...args],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: databaseUrl(), POSTERN_DATA_DIR: dataDir, GATEWAY_HTTP_PORT: "1" },
        timeout: 30_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

async function json(args: string[], stdin?: string) {
  const r = await cli([...args, "--json"], stdin);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

describe("postern CLI", () => {
  it("round trip: tenant → hosted backend → mailbox → device, list, revoke", async () => {
    const s = uniqueSuffix();
    const tenant = await json(["tenant", "create", "--name", `Acme ${s}`, "--domain", `acme-${s}.test`]);
    expect(tenant).toMatchObject({ slug: `acme-${s}`, domains: [`acme-${s}.test`] });
    const backend = await json(["backend", "add", "--tenant", tenant.slug, "--kind", "hosted"]);
    expect(backend.id).toMatch(/^[0-9a-f-]{36}$/);
    const mailbox = await json([
      "mailbox",
      "add",
      "--tenant",
      tenant.slug,
      "--address",
      `ana@acme-${s}.test`,
      "--backend",
      backend.id,
    ]);
    expect(mailbox.address).toBe(`ana@acme-${s}.test`);
    const device = await json([
      "device",
      "add",
      "--mailbox",
      mailbox.address,
      "--name",
      "Ana's iPhone",
      "--platform",
      "ios",
    ]);
    expect(device.password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    const list = await json(["device", "list", "--mailbox", mailbox.address]);
    expect(list).toEqual([
      expect.objectContaining({ id: device.id, name: "Ana's iPhone", platform: "ios", revoked: false }),
    ]);
    expect(JSON.stringify(list)).not.toContain(device.password);
    const revoked = await json(["device", "revoke", device.id]);
    expect(revoked.revoked).toBe(true);
    const after = await json(["device", "list", "--mailbox", mailbox.address]);
    expect(after[0].revoked).toBe(true);
    expect(after[0].revokedAt).toBeTruthy();
  }, 90_000);

  it("prints the app password once in text mode too, and the backend id alone", async () => {
    const s = uniqueSuffix();
    await json(["tenant", "create", "--name", `Text ${s}`]);
    const b = await cli(["backend", "add", "--tenant", `text-${s}`, "--kind", "imap", "--host", "imap.example.net"]);
    expect(b.code).toBe(0);
    expect(b.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    const m = await cli(
      [
        "mailbox",
        "add",
        "--tenant",
        `text-${s}`,
        "--address",
        `bo@text-${s}.test`,
        "--backend",
        b.stdout.trim(),
        "--password-stdin",
      ],
      "backend-pw\n",
    );
    expect(m.code).toBe(0);
    const d = await cli(["device", "add", "--mailbox", `bo@text-${s}.test`, "--name", "Bo's phone"]);
    expect(d.stdout).toMatch(/app password \(shown once\): [a-z2-9-]{19}/);
  }, 90_000);

  it("shows status as JSON, with the database and a gateway that is down", async () => {
    const status = await json(["status"]);
    expect(status.database.ok).toBe(true);
    // The password is masked: only "****" stands between the user and the host.
    expect(status.database.url).toMatch(/^postgresql:\/\/[^:]+:\*\*\*\*@/);
    expect(status.gateway.reachable).toBe(false);
    expect(Array.isArray(status.mailboxes)).toBe(true);
  }, 30_000);

  it.each([
    [["tenant", "create"], 2, /missing --name/],
    [["tenant", "create", "--name", "x", "--bogus"], 2, /Unknown option '--bogus'/],
    [["frobnicate"], 2, /unknown command/],
    [["backend", "add", "--tenant", "nope-nope", "--kind", "hosted"], 3, /no tenant "nope-nope"/],
    // A bad value is a usage error, found before the tenant is looked up.
    [["backend", "add", "--tenant", "x", "--kind", "smoke"], 2, /--kind must be one of hosted, imap/],
    [["device", "revoke", "not-an-id"], 1, /is not a device id/],
    [["device", "revoke"], 2, /exactly one device ID/],
  ])(
    "refuses %j with one line and exit %i",
    async (args, exitCode, message) => {
      const r = await cli(args as string[]);
      expect(r.code).toBe(exitCode);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message as RegExp);
    },
    30_000,
  );
});
