// The SMTP benchmark's clients: phones submitting to the gateway (one
// nodemailer connection each, implicit TLS and AUTH, messages one after the
// other as a phone sends them), and a plain SMTP client handing the same
// messages straight to Postfix (the baseline for the relay).
import { randomBytes } from "node:crypto";
import tls from "node:tls";
import nodemailer from "nodemailer";
import type pg from "pg";
import type { Phone } from "./postern.ts";

/** A 10 KB text message (header and a body of 76-character lines), different for every i. */
export function benchMessage(i: number, from: string, to: string): Buffer {
  const header = [
    `From: Phone <${from}>`,
    `To: <${to}>`,
    `Subject: Bench message ${i}`,
    `Message-ID: <bench-${i}-${randomBytes(6).toString("hex")}@smtp.bench>`,
    "Date: Thu, 26 Nov 2026 10:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
  ].join("\r\n");
  const line = `${`line of message ${i} `.padEnd(76, "x")}\r\n`;
  const body = line.repeat(Math.ceil((10 * 1024 - header.length) / line.length));
  return Buffer.from(`${header}\r\n${body}`);
}

export interface SubmitResult {
  ms: number;
  accepted: number;
  failures: string[];
  /** Per-message client latency (MAIL … 250 after DATA), ms. */
  latencies: number[];
}

/** Every phone connects once and sends `perPhone` messages, all phones at the same time. */
export async function submitAll(o: {
  port: number;
  ca: string;
  phones: Phone[];
  perPhone: number;
}): Promise<SubmitResult> {
  const result: SubmitResult = { ms: 0, accepted: 0, failures: [], latencies: [] };
  const transports = o.phones.map((p) =>
    nodemailer.createTransport({
      pool: true,
      maxConnections: 1,
      maxMessages: Number.POSITIVE_INFINITY,
      host: "127.0.0.1",
      port: o.port,
      secure: true,
      auth: { user: p.address, pass: p.password },
      tls: { ca: [o.ca], servername: "localhost" },
      logger: false,
    }),
  );
  // Connect and log in before the clock starts: a phone does that once, not per message.
  await Promise.all(transports.map((t) => t.verify()));
  const started = performance.now();
  await Promise.all(
    o.phones.map(async (p, n) => {
      for (let i = 0; i < o.perPhone; i++) {
        const to = `rcpt${i % 50}@elsewhere.bench`;
        const t0 = performance.now();
        try {
          await transports[n].sendMail({
            envelope: { from: p.address, to: [to] },
            raw: benchMessage(n * o.perPhone + i, p.address, to),
          });
          result.accepted++;
          result.latencies.push(performance.now() - t0);
        } catch (err) {
          result.failures.push((err as Error).message);
        }
      }
    }),
  );
  result.ms = performance.now() - started;
  for (const t of transports) t.close();
  return result;
}

export interface RelayMeasure {
  messages: number;
  /** From the first to the last acceptance by Postfix. */
  spanMs: number;
  /** (messages − 1) / span: acceptances per second. */
  rate: number;
  failures: string[];
}

const rateOf = (n: number, spanMs: number) => (n > 1 && spanMs > 0 ? ((n - 1) * 1000) / spanMs : 0);

/** The outbox's own record: sent_at is written in the statement right after the relay's 250. */
export async function waitRelayed(pool: pg.Pool, total: number, timeoutMs: number): Promise<RelayMeasure> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await pool.query(
      `SELECT count(*) FILTER (WHERE state = 'sent')::int AS sent,
              count(*) FILTER (WHERE state IN ('failed', 'bounced'))::int AS bad,
              extract(epoch FROM max(sent_at) - min(sent_at)) * 1000 AS span_ms,
              (SELECT last_error FROM outbound_message WHERE last_error IS NOT NULL LIMIT 1) AS err
         FROM outbound_message`,
    );
    const row = r.rows[0];
    if (row.sent + row.bad >= total || Date.now() > deadline) {
      const failures = row.bad ? [`${row.bad} not relayed: ${row.err}`] : [];
      if (row.sent + row.bad < total)
        failures.push(`only ${row.sent} of ${total} relayed within ${timeoutMs / 1000} s`);
      const spanMs = Number(row.span_ms ?? 0);
      return { messages: row.sent, spanMs, rate: rateOf(row.sent, spanMs), failures };
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Put every relayed message back in the queue, as if never sent: another round of b. */
export async function requeueAll(pool: pg.Pool): Promise<void> {
  await pool.query(
    `UPDATE outbound_message SET state = 'queued', next_attempt_at = now(), sent_at = NULL,
            recipient_status = '{}', relay_response = NULL WHERE state = 'sent'`,
  );
}

/** The relayed copies as stored, with their envelopes: what the baseline sends. */
export async function storedMessages(pool: pg.Pool): Promise<Array<{ from: string; to: string[]; raw: Buffer }>> {
  const r = await pool.query(
    "SELECT o.envelope_from, o.recipients, b.data FROM outbound_message o JOIN blob b ON b.id = o.blob_id ORDER BY o.created_at",
  );
  return r.rows.map((row) => ({ from: row.envelope_from, to: row.recipients, raw: row.data }));
}

/** The same messages straight to Postfix, over as many pooled connections as Postern uses per relay. */
export async function sendDirect(o: {
  port: number;
  ca: string;
  connections: number;
  messages: Array<{ from: string; to: string[]; raw: Buffer }>;
}): Promise<RelayMeasure> {
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: o.connections,
    maxMessages: 100,
    host: "127.0.0.1",
    port: o.port,
    secure: false,
    requireTLS: true,
    // One context for all connections, as Postern's relay pool does.
    tls: { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, o.ca], minVersion: "TLSv1.2" }) },
    logger: false,
  });
  const done: number[] = [];
  const failures: string[] = [];
  await Promise.all(
    o.messages.map((m) =>
      transport.sendMail({ envelope: { from: m.from, to: m.to }, raw: m.raw }).then(
        () => done.push(performance.now()),
        (err: Error) => failures.push(err.message),
      ),
    ),
  );
  transport.close();
  const spanMs = done.length ? Math.max(...done) - Math.min(...done) : 0;
  return { messages: done.length, spanMs, rate: rateOf(done.length, spanMs), failures };
}
