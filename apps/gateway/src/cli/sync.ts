// `postern sync ADDR`: ask the gateway that syncs the mailbox to do it now
// (or, when no gateway holds it, run the account worker right here), and
// show its progress until it is done or fails.
import { findMailbox, notify } from "@postern/db/provisioning";
import { loadKeyring } from "@postern/db/secrets";
import pg from "pg";
import { CHANGES_CHANNEL } from "../events.ts";
import { createLog } from "../log.ts";
import { PgNotifyBus } from "../store/bus.ts";
import { AccountWorker } from "../sync/worker.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";

export interface SyncOutcome {
  ok: boolean;
  address: string;
  folders: number;
  messages: number;
  ms: number;
  ranHere: boolean;
  error?: string;
}

export async function syncNow(ctx: CliContext, address: string, timeoutMs: number): Promise<SyncOutcome> {
  const mailbox = await findMailbox(ctx.prov, address);
  if (mailbox.backend.kind === "hosted")
    throw new UsageError(`${mailbox.address} is hosted by Postern: there is no backend to sync with`);
  const started = Date.now();
  const pool = new pg.Pool({ connectionString: ctx.db.url, max: 4 });
  const lock = await pool.connect();
  let worker: AccountWorker | null = null;
  try {
    const got = await lock.query("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [`postern-sync:${mailbox.id}`]);
    const ranHere = Boolean(got.rows[0].ok);
    // Mark the start, so a stale "idle" from before does not end the wait.
    await pool.query("UPDATE mailbox SET sync_state = 'syncing', sync_progress = '{}' WHERE id = $1", [mailbox.id]);
    if (ranHere) {
      worker = new AccountWorker(mailbox.id, {
        pool,
        // Phones connected to a gateway hear what this sync changes.
        bus: new PgNotifyBus(
          (payload) => pool.query("SELECT pg_notify($1, $2)", [CHANGES_CHANNEL, payload]),
          () => {},
        ),
        keyring: await loadKeyring({ dataDir: ctx.dataDir }),
        log: createLog({ level: "silent" }),
      });
      worker.poke({ full: true });
      worker.start();
    } else {
      await ctx.prov.prisma.$transaction(async (tx) => notify(tx, { type: "mailbox.sync", mailboxId: mailbox.id }));
    }
    const bar = process.stderr.isTTY && !ctx.json;
    for (;;) {
      const r = await pool.query(
        `SELECT sync_state, sync_progress, last_error, last_sync_at,
                (SELECT count(*) FROM folder WHERE mailbox_id = $1)::int AS folders,
                (SELECT count(*) FROM message m JOIN folder f ON f.id = m.folder_id WHERE f.mailbox_id = $1)::int AS messages
         FROM mailbox WHERE id = $1`,
        [mailbox.id],
      );
      const row = r.rows[0];
      if (bar) drawProgress(row.sync_progress);
      const doneNow =
        row.sync_state === "idle" && row.last_sync_at && new Date(row.last_sync_at).getTime() >= started - 1000;
      const failed = row.sync_state === "error" || row.sync_state === "needs_attention";
      if (doneNow || failed || Date.now() - started > timeoutMs) {
        if (bar) process.stderr.write("\n");
        return {
          ok: Boolean(doneNow),
          address: mailbox.address,
          folders: row.folders,
          messages: row.messages,
          ms: Date.now() - started,
          ranHere,
          error: doneNow ? undefined : failed ? (row.last_error ?? row.sync_state) : "timed out waiting for the sync",
        };
      }
      await new Promise((res) => setTimeout(res, 250));
    }
  } finally {
    await worker?.stop();
    await lock.query("SELECT pg_advisory_unlock_all()").catch(() => {});
    lock.release();
    await pool.end();
  }
}

function drawProgress(p: {
  folder?: string;
  folders?: number;
  foldersDone?: number;
  done?: number;
  total?: number;
}): void {
  const total = p.total ?? 0;
  const done = p.done ?? 0;
  const frac = total ? done / total : 0;
  const width = 30;
  const fill = Math.round(frac * width);
  const bar = `[${"#".repeat(fill)}${".".repeat(width - fill)}]`;
  const folder = p.folder ? ` ${p.folder} (${(p.foldersDone ?? 0) + 1}/${p.folders ?? "?"})` : " connecting…";
  process.stderr.write(`\r${bar} ${Math.round(frac * 100)}%${folder} ${total ? `${done}/${total}` : ""}   `);
}
