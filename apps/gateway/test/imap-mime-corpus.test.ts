// The MIME corpus end to end: each message is APPENDed to the gateway and to
// a real Dovecot, and imapflow (a real client with its own RFC 3501 parser)
// reads ENVELOPE and BODYSTRUCTURE back from both. What Postern sends must
// parse, and must mean what Dovecot's does — except where the corpus lists a
// deliberate deviation (packages/protocol/test/fixtures/mime/*.json).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { seedMailbox } from "@postern/db/seed";
import { ImapFlow } from "imapflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../../../test/helpers/db.ts";
import { type Dovecot, startDovecot } from "../../../test/helpers/dovecot.ts";
import { startTestGateway } from "../../../test/helpers/gateway.ts";
import { imapflow } from "../../../test/helpers/imap.ts";

const dir = path.resolve(import.meta.dirname, "../../../packages/protocol/test/fixtures/mime");
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith(".eml"))
  .map((f) => {
    const name = f.slice(0, -4);
    const meta = JSON.parse(readFileSync(path.join(dir, `${name}.json`), "utf8")) as {
      deviations?: Record<string, unknown>;
    };
    return { name, raw: readFileSync(path.join(dir, f)), deviations: Object.keys(meta.deviations ?? {}) };
  });

let gw: Awaited<ReturnType<typeof startTestGateway>>;
let dovecot: Dovecot;
let postern: ImapFlow;
let reference: ImapFlow;

beforeAll(async () => {
  [gw, dovecot] = await Promise.all([startTestGateway(), startDovecot({ pop3: false })]);
  const m = await seedMailbox(testContext());
  postern = await imapflow(gw, { address: m.address, password: m.password });
  reference = new ImapFlow({
    host: "127.0.0.1",
    port: dovecot.imapPort,
    secure: false,
    auth: { user: "alice", pass: "alice-pass" },
    tls: { ca: [dovecot.certPem], servername: "localhost" },
    logger: false,
    disableAutoIdle: true,
  });
  await reference.connect();
  for (const c of corpus) {
    await postern.append("INBOX", c.raw);
    await reference.append("INBOX", c.raw);
  }
  await postern.mailboxOpen("INBOX");
  await reference.mailboxOpen("INBOX");
}, 120_000);

afterAll(async () => {
  await postern?.logout().catch(() => {});
  await reference?.logout().catch(() => {});
  await gw?.close();
  await dovecot?.stop();
});

/** What imapflow parsed, minus what legitimately differs between servers. */
async function read(client: ImapFlow, seq: number) {
  const msg = await client.fetchOne(String(seq), { envelope: true, bodyStructure: true, size: true });
  if (!msg) throw new Error(`no message ${seq}`);
  return msg;
}

describe("MIME corpus through imapflow", () => {
  it("has a corpus to test", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
  });

  corpus.forEach((c, i) => {
    it(`${c.name}: ENVELOPE and BODYSTRUCTURE parse, and match Dovecot's unless a deviation is documented`, async () => {
      const ours = await read(postern, i + 1);
      const theirs = await read(reference, i + 1);
      expect(ours.envelope, "ENVELOPE parsed").toBeTruthy();
      expect(ours.bodyStructure, "BODYSTRUCTURE parsed").toBeTruthy();
      if (!c.deviations.includes("envelope")) expect(ours.envelope).toEqual(theirs.envelope);
      // Postern stores bare-LF messages with CRLF (so sizes agree with what
      // clients count); Dovecot keeps them as given: sizes differ there.
      const crlfDiffers = !c.raw.includes("\r\n");
      if (!c.deviations.includes("bodystructure") && !crlfDiffers) {
        expect(ours.bodyStructure).toEqual(theirs.bodyStructure);
        expect(ours.size).toBe(theirs.size);
      }
    });
  });
});
