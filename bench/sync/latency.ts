// Phase b: how long a change takes to cross the gateway, each way.
//
// Push (backend → phone): a phone IDLEs on INBOX through the gateway, and a
// reference client IDLEs on the same INBOX straight at Dovecot. Messages are
// delivered one at a time through Dovecot's LMTP; each sample is the time
// from the delivery call returning until each client sees `* n EXISTS`.
// Dovecot batches change notifications to IDLE sessions (500 ms after the
// first inotify event), and the gateway learns of new mail through exactly
// such an IDLE session, so that delay is in both figures; the difference is
// what Postern adds (its INBOX sync, the index write, waking the phone).
//
// \Seen (phone → backend): the phone STOREs +FLAGS (\Seen) through the
// gateway; a client at Dovecot polls with NOOP every 20 ms; each sample is
// the time from the phone sending the STORE until that client sees the flag
// (not from its OK: the change can reach Dovecot before the phone hears OK).
//
// Both clients are imapflow on plaintext loopback, so client cost is the same
// on both sides. Samples are spaced 200 ms apart (--spacing), counted from
// when the previous one has fully settled. For push that is 500 ms after both
// clients saw it: the gateway's reads of the new message write Dovecot's
// index, which starts the 500 ms batch timer again in every IDLE session, and
// a delivery inside that window is announced when the timer fires — early, by
// a different amount in each session (measured: the reference then reads
// anywhere from 40 to 500 ms, and the per-delivery difference means nothing).
import { ImapFlow } from "imapflow";
import type { Dovecot } from "../../test/helpers/dovecot.ts";
import { benchMessage } from "../imap/messages.ts";

const NOOP_EVERY_MS = 20;
/** Dovecot's NOTIFY_DELAY_MSECS (src/lib-storage/mailbox-watch.c). */
const DOVECOT_NOTIFY_BATCH_MS = 500;
/** A sample not seen within this long fails the phase. */
const SAMPLE_TIMEOUT_MS = 10_000;

export interface PushSample {
  /** LMTP delivery call (connect … QUIT). */
  deliverMs: number;
  phoneMs: number;
  dovecotMs: number;
}

export interface SeenSample {
  /** The phone's STORE round trip through the gateway. */
  storeMs: number;
  /** STORE sent → \Seen seen at Dovecot. */
  latencyMs: number;
}

export interface Phase<T> {
  samples: T[];
  error?: string;
}

export interface LatencySetup {
  dovecot: Dovecot;
  backendUser: { user: string; password: string };
  gateway: { port: number; user: string; password: string };
  /** Messages in INBOX when the phase starts. */
  messages: number;
  samples: number;
  spacingMs: number;
  log(line: string): void;
}

/** Arrival time of each sequence number: when a client first saw EXISTS reach it. */
function arrivals(client: ImapFlow): Map<number, number> {
  const seen = new Map<number, number>();
  client.on("exists", (e: { count: number; prevCount: number }) => {
    const at = performance.now();
    for (let n = e.prevCount + 1; n <= e.count; n++) if (!seen.has(n)) seen.set(n, at);
  });
  return seen;
}

function connect(port: number, user: string, pass: string): Promise<ImapFlow> {
  const c = new ImapFlow({
    host: "127.0.0.1",
    port,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 30_000,
  });
  return c.connect().then(() => c);
}

/** Wait for a condition the event handlers above make true (their timestamps are the measurement). */
async function until(what: string, ready: () => boolean): Promise<void> {
  const deadline = performance.now() + SAMPLE_TIMEOUT_MS;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`${what}: not seen within ${SAMPLE_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureLatency(s: LatencySetup): Promise<{ push: Phase<PushSample>; seen: Phase<SeenSample> }> {
  const phone = await connect(s.gateway.port, s.gateway.user, s.gateway.password);
  const direct = await connect(s.dovecot.imapPort, s.backendUser.user, s.backendUser.password);
  const push: Phase<PushSample> = { samples: [] };
  const seen: Phase<SeenSample> = { samples: [] };
  try {
    const [onPhone, atDovecot] = [arrivals(phone), arrivals(direct)];
    const p = await phone.mailboxOpen("INBOX");
    const d = await direct.mailboxOpen("INBOX");
    if (p.exists !== s.messages || d.exists !== s.messages) {
      throw new Error(
        `INBOX holds ${p.exists} messages on the phone and ${d.exists} at Dovecot, expected ${s.messages}`,
      );
    }
    const idle = (c: ImapFlow) => void c.idle().catch(() => {});
    idle(phone);
    idle(direct);

    // One untimed delivery first: it proves both clients are IDLE-ing, and warms the path.
    const base = s.messages + 1;
    try {
      await s.dovecot.deliver(s.backendUser.user, benchMessage(s.messages).raw);
      await until("warm-up delivery", () => onPhone.has(base) && atDovecot.has(base));
      s.log(`push: both clients IDLE-ing; timing ${s.samples} deliveries`);
      for (let i = 1; i <= s.samples; i++) {
        await pause(DOVECOT_NOTIFY_BATCH_MS + s.spacingMs);
        const n = base + i;
        const started = performance.now();
        await s.dovecot.deliver(s.backendUser.user, benchMessage(s.messages + i).raw);
        const returned = performance.now();
        await until(`delivery ${i} (EXISTS ${n})`, () => onPhone.has(n) && atDovecot.has(n));
        push.samples.push({
          deliverMs: returned - started,
          phoneMs: onPhone.get(n)! - returned,
          dovecotMs: atDovecot.get(n)! - returned,
        });
      }
    } catch (err) {
      push.error = `push latency: ${(err as Error).message}`;
      return { push, seen: { samples: [], error: "\\Seen latency: not run (push latency failed)" } };
    }

    // The other way, on the messages just delivered (unread): the same message
    // must sit at the same sequence number on both sides, or the figures lie.
    try {
      const range = `${base + 1}:${base + s.samples}`;
      const ids = async (c: ImapFlow) => {
        const out: string[] = [];
        for await (const m of c.fetch(range, { envelope: true })) out[m.seq - base - 1] = m.envelope?.messageId ?? "";
        return out;
      };
      const [phoneIds, dovecotIds] = [await ids(phone), await ids(direct)];
      if (phoneIds.length !== s.samples || phoneIds.some((id) => !id) || phoneIds.join() !== dovecotIds.join()) {
        throw new Error(`messages ${range} differ between phone and Dovecot`);
      }
      const flagged = new Map<number, number>();
      direct.on("flags", (e: { seq: number; flags: Set<string> }) => {
        if (e.flags.has("\\Seen") && !flagged.has(e.seq)) flagged.set(e.seq, performance.now());
      });
      let polling = true;
      const poller = (async () => {
        while (polling) {
          await direct.noop();
          await pause(NOOP_EVERY_MS);
        }
      })();
      try {
        s.log(`seen: timing ${s.samples} \\Seen changes from the phone`);
        for (let i = 1; i <= s.samples; i++) {
          await pause(s.spacingMs);
          const n = base + i;
          if (flagged.has(n)) throw new Error(`message ${n} was \\Seen at Dovecot before the phone read it`);
          const started = performance.now();
          await phone.messageFlagsAdd(String(n), ["\\Seen"]);
          const stored = performance.now();
          const arrived = until(`\\Seen on message ${n}`, () => flagged.has(n));
          arrived.catch(() => {}); // when the poller fails first, nobody awaits this
          await Promise.race([arrived, poller]);
          seen.samples.push({ storeMs: stored - started, latencyMs: flagged.get(n)! - started });
        }
      } finally {
        polling = false;
        await poller.catch(() => {});
      }
    } catch (err) {
      seen.error = `\\Seen latency: ${(err as Error).message}`;
    }
    return { push, seen };
  } finally {
    await Promise.all([phone.logout().catch(() => phone.close()), direct.logout().catch(() => direct.close())]);
  }
}
