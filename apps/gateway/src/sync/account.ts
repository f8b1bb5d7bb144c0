// Reads what the sync engine needs to reach a mailbox's backend, with the
// secrets decrypted (they never leave this process, and are never logged).
import type { Keyring } from "@postern/db/secrets";
import type pg from "pg";
import type { BackendAccount } from "../backends/types.ts";

export interface SyncedMailbox {
  id: string;
  address: string;
  kind: string;
}

/** Mailboxes whose mail lives at a backend (every kind but hosted). */
export async function remoteMailboxes(pool: pg.Pool): Promise<SyncedMailbox[]> {
  const r = await pool.query(
    "SELECT m.id, m.address, b.kind FROM mailbox m JOIN backend b ON b.id = m.backend_id WHERE b.kind <> 'hosted' ORDER BY m.address",
  );
  return r.rows.map((row) => ({ id: row.id, address: row.address, kind: row.kind }));
}

export async function loadAccount(pool: pg.Pool, keyring: Keyring, mailboxId: string): Promise<BackendAccount | null> {
  const r = await pool.query(
    `SELECT m.id, m.address, m.login, m.secret_cipher, b.kind, b.host, b.port, b.security, b.options
     FROM mailbox m JOIN backend b ON b.id = m.backend_id WHERE m.id = $1`,
    [mailboxId],
  );
  if (!r.rowCount) return null;
  const row = r.rows[0];
  if (row.kind === "hosted") return null;
  const options = (row.options ?? {}) as Record<string, unknown>;
  return {
    mailboxId: row.id,
    address: row.address,
    kind: row.kind,
    host: row.host ?? "",
    port: row.port ?? 0,
    security: row.security ?? "tls",
    login: row.login ?? row.address,
    password: row.secret_cipher ? keyring.decrypt(row.secret_cipher, `mailbox:${row.id}`) : "",
    options,
    ca: typeof options.tlsCa === "string" ? options.tlsCa : undefined,
    insecureTls: options.tlsInsecure === true,
  };
}

/** How often folders other than INBOX are checked (seconds), per backend. */
export function pollIntervalMs(account: BackendAccount): number {
  const v = Number(account.options.pollIntervalSeconds);
  return (Number.isFinite(v) && v > 0 ? v : 60) * 1000;
}
