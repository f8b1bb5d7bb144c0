// Faults between `250` and the relay: the relay (a real Postfix delivering
// into a real Dovecot) goes down; the gateway is killed with SIGKILL after
// answering `250`; and killed in the middle of DATA. Each message that got
// `250` arrives exactly once; one that did not arrives never.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dovecot, startDovecot } from "../../../test/helpers/dovecot.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { type GatewayProcess, spawnGateway } from "../../../test/helpers/gateway-process.ts";
import { type Postfix, relayDovecotConfig, startPostfix } from "../../../test/helpers/postfix.ts";
import { eventually, hostedSender, mail, OUTBOX_TEST_ENV, outboxRows, phone, type Sender } from "./smtp-fixture.ts";

const BOB = { user: "bob", password: "bob-pass" };
const TO = "bob@faults.example";
let dovecot: Dovecot;
let postfix: Postfix;
let proc: GatewayProcess | null = null;

beforeAll(async () => {
  dovecot = await startDovecot({ users: [BOB], pop3: false, extraConfig: relayDovecotConfig() });
  postfix = await startPostfix({ lmtpPort: dovecot.lmtpPort });
});
afterAll(async () => {
  await proc?.stop();
  await postfix?.destroy();
  await dovecot?.stop();
});

/** How many copies of the message with this Message-ID are in bob's INBOX at the backend. */
async function copiesAtBob(messageId: string): Promise<number> {
  const out = await dovecot.doveadm(["search", "-u", "bob", "mailbox", "INBOX", "header", "Message-ID", messageId]);
  return out.split("\n").filter((l) => l.trim()).length;
}

async function submit(port: number, ca: string, s: Sender, messageId: string): Promise<void> {
  const r = await phone({
    port,
    mode: "tls",
    ca,
    steps: [
      ["login", s.address, s.password],
      ["sendmail", s.address, [TO], mail({ from: s.address, to: TO, messageId, subject: messageId })],
    ],
  });
  expect(r[1]).toEqual([250, "{}"]);
}

describe("the relay goes down", () => {
  it("the message waits in the outbox, retried, and is delivered exactly once when the relay is back", async () => {
    const gw = await startTestGateway(OUTBOX_TEST_ENV);
    try {
      const alice = await hostedSender({ relay: postfix });
      const messageId = `<down-${Date.now()}@phone.example>`;
      await postfix.stop();
      await submit(gw.ports.smtps, gw.tls.cert, alice, messageId);
      // Refused connections are temporary: queued again with a backoff, tried again.
      const waiting = await eventually(
        async () => {
          const [row] = await outboxRows(alice.mailboxId);
          return row.state === "queued" && row.attempts >= 2 ? row : null;
        },
        15_000,
        "two failed attempts",
      );
      if (!waiting) throw new Error("unreachable");
      expect(waiting.lastError).toContain("ECONNREFUSED");
      expect(waiting.recipientStatus).toMatchObject({ [TO]: { state: "deferred", status: "4.4.1" } });
      expect(await copiesAtBob(messageId)).toBe(0);

      await postfix.start();
      await eventually(async () => (await outboxRows(alice.mailboxId))[0].state === "sent", 15_000, "delivery");
      await eventually(async () => (await copiesAtBob(messageId)) > 0, 15_000, "bob's copy");
      expect(await copiesAtBob(messageId)).toBe(1);
    } finally {
      await gw.close();
    }
  });
});

describe("the gateway is killed", () => {
  it("after `250`: the message is delivered after the restart, exactly once", async () => {
    proc = await spawnGateway(OUTBOX_TEST_ENV);
    const ca = await gatewayCert(proc);
    const alice = await hostedSender({ relay: postfix });
    const messageId = `<kill-after-${Date.now()}@phone.example>`;
    // The relay is down, so nothing can go out before the kill: delivery must come from the outbox.
    await postfix.stop();
    await submit(proc.ports.smtps, ca, alice, messageId);
    const [row] = await outboxRows(alice.mailboxId);
    expect(["queued", "sending"]).toContain(row.state);
    await proc.kill9();
    await postfix.start();
    expect(await copiesAtBob(messageId)).toBe(0);

    await proc.restart();
    await eventually(async () => (await outboxRows(alice.mailboxId))[0].state === "sent", 30_000, "delivery");
    await eventually(async () => (await copiesAtBob(messageId)) > 0, 15_000, "bob's copy");
    expect(await copiesAtBob(messageId)).toBe(1);
    expect(await outboxRows(alice.mailboxId)).toHaveLength(1);
  });

  it("in the middle of DATA: no `250` was given, nothing is stored, nothing is sent", async () => {
    proc ??= await spawnGateway(OUTBOX_TEST_ENV);
    const ca = await gatewayCert(proc);
    const alice = await hostedSender({ relay: postfix });
    const halfId = `<half-${Date.now()}@phone.example>`;
    const body = mail({ from: alice.address, to: TO, messageId: halfId, subject: "half", body: "x\r\n".repeat(5000) });
    const client = halfSender(proc.ports.smtps, ca, alice, body);
    await client.halfSent;
    await proc.kill9();
    const transcript = await client.done;
    expect(transcript).not.toMatch(/^250 2\.0\.0 Ok: queued/m);
    expect(transcript).toContain("354");

    await proc.restart();
    expect(await outboxRows(alice.mailboxId)).toHaveLength(0);
    // A whole message after the restart goes through; the half one never appears.
    const nextId = `<whole-${Date.now()}@phone.example>`;
    await submit(proc.ports.smtps, ca, alice, nextId);
    await eventually(async () => (await copiesAtBob(nextId)) === 1, 20_000, "the next message at bob");
    expect(await copiesAtBob(halfId)).toBe(0);
    expect(await outboxRows(alice.mailboxId)).toHaveLength(1);
  });
});

async function gatewayCert(p: GatewayProcess): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  return readFile(`${p.dataDir}/tls/selfsigned.crt`, "utf8");
}

// A phone that sends half of DATA, says so on stdout, then waits for whatever the server does.
const HALF = String.raw`
import base64, socket, ssl, sys
port, ca, user, password, body = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].encode()
ctx = ssl.create_default_context(cadata=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="127.0.0.1")
f = s.makefile("rb")
log = []
def reply():
    lines = []
    while True:
        line = f.readline()
        if not line: return "EOF"
        lines.append(line.decode().rstrip())
        if line[3:4] != b"-": return "\n".join(lines)
def cmd(c):
    s.sendall(c.encode() + b"\r\n"); log.append(reply())
log.append(reply())
cmd("EHLO phone.example")
cmd("AUTH PLAIN " + base64.b64encode(("\0" + user + "\0" + password).encode()).decode())
cmd("MAIL FROM:<" + user + ">")
cmd("RCPT TO:<bob@faults.example>")
cmd("DATA")
s.sendall(body[: len(body) // 2])
print("HALF", flush=True)
try:
    log.append(reply())
except Exception as e:
    log.append("error: " + str(e))
print("\n".join(log), flush=True)
`;

function halfSender(port: number, ca: string, s: Sender, body: string) {
  const child = spawn("python3", ["-c", HALF, String(port), ca, s.address, s.password, body]);
  let out = "";
  let signal: () => void = () => {};
  const halfSent = new Promise<void>((resolve) => {
    signal = resolve;
  });
  child.stdout.on("data", (d) => {
    out += d;
    if (out.includes("HALF")) signal();
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  const done = new Promise<string>((resolve) => child.on("close", () => resolve(out)));
  return { halfSent, done };
}
