// Test an IMAP or POP3 backend with the gateway's own drivers: the very code
// that will sync the mailboxes connects, logs in and lists folders, so a
// passing test means sync will work.
import "server-only";
import { imapDriver } from "../../../../gateway/src/backends/imap/index.ts";
import { createPop3Driver } from "../../../../gateway/src/backends/pop3/index.ts";
import type { BackendAccount } from "../../../../gateway/src/backends/types.ts";
import { explainFailure, type RoundTrip, type TestReport } from "./report.ts";

export interface MailstoreTarget {
  kind: "imap" | "pop3";
  host: string;
  port: number;
  security: "tls" | "starttls" | "none";
  login: string;
  password: string;
  ca?: string;
  insecureTls?: boolean;
}

// The portal has its own log; the POP3 driver's notes about skipped messages are not needed for a test.
const pop3Driver = createPop3Driver({ log: { warn() {} } });

export async function testMailstore(t: MailstoreTarget): Promise<TestReport> {
  const where = `${t.host}:${t.port}`;
  const account: BackendAccount = {
    mailboxId: "00000000-0000-0000-0000-000000000000",
    address: t.login,
    kind: t.kind,
    host: t.host,
    port: t.port,
    security: t.security,
    login: t.login,
    password: t.password,
    options: {},
    ca: t.ca,
    insecureTls: t.insecureTls,
  };
  const driver = t.kind === "imap" ? imapDriver : pop3Driver;
  let session: Awaited<ReturnType<typeof driver.connect>> | undefined;
  try {
    session = await driver.connect(account);
    const folders = await session.listFolders();
    const c = session.capabilities;
    const security =
      t.security === "tls" ? "over TLS" : t.security === "starttls" ? "with STARTTLS" : "without encryption";
    const names = folders.filter((f) => !f.noSelect).map((f) => f.name);
    if (t.kind === "pop3") {
      return {
        ok: true,
        title: "Connected to the POP3 server",
        summary: `Logged in to ${where} ${security} as ${t.login}.`,
        roundTrip: [
          { change: "New", works: true, how: "New mail appears on phones at the next check of the server." },
          {
            change: "Read/Unread",
            works: true,
            how: "Kept by Postern: POP3 has no flags, so the server never sees it.",
          },
          { change: "Deleted", works: true, how: "Deleted at the server (DELE) when a phone deletes." },
          {
            change: "Filed",
            works: true,
            how: "Kept by Postern: POP3 has no folders; filed mail is stored in Postern.",
          },
        ],
        push: {
          available: false,
          words: "No push: POP3 cannot announce new mail. Postern checks the server every poll interval.",
        },
        lacks: ["Folders and flags (a POP3 limit): Postern keeps them itself."],
        folders: { count: 1, sample: ["INBOX"] },
      };
    }
    const roundTrip: RoundTrip[] = [
      {
        change: "New",
        works: true,
        how: c.push ? "Within seconds (the server pushes with IDLE)." : "At the next poll of the server.",
      },
      { change: "Read/Unread", works: true, how: "Both ways, as the \\Seen flag." },
      {
        change: "Deleted",
        works: true,
        how: c.uidplus ? "Both ways (\\Deleted + UID EXPUNGE)." : "Both ways (\\Deleted + EXPUNGE).",
      },
      {
        change: "Filed",
        works: true,
        how: c.move ? "Both ways (MOVE)." : "Both ways (COPY, then delete the original).",
      },
    ];
    const lacks: string[] = [];
    if (!c.incremental)
      lacks.push("No CONDSTORE: flag changes are found by reading every flag, so flag sync is slower on big folders.");
    if (!c.move) lacks.push("No MOVE: filing copies and then deletes the original.");
    if (!c.uidplus) lacks.push("No UIDPLUS: Postern matches moved and sent messages by Message-ID, a little slower.");
    if (!c.push) lacks.push("No IDLE: new mail is found by polling, not pushed.");
    return {
      ok: true,
      title: "Connected to the IMAP server",
      summary: `Logged in to ${where} ${security} as ${t.login} and listed ${names.length} folder${names.length === 1 ? "" : "s"}.`,
      roundTrip,
      push: c.push
        ? {
            available: true,
            words: "Push is available: the server announces new mail (IDLE), so phones hear of it within seconds.",
          }
        : { available: false, words: "No push: the server lacks IDLE; Postern polls it every poll interval." },
      lacks,
      folders: { count: names.length, sample: names.slice(0, 12) },
    };
  } catch (err) {
    const e = err as { code?: string; detail?: string; message?: string };
    const { problem, fix } = explainFailure(where, e.code, `${e.detail ?? ""} ${e.message ?? ""}`);
    return { ok: false, title: "The test did not pass", problem, fix };
  } finally {
    await session?.close().catch(() => {});
  }
}
