// A device's recent commands — what the portal's device timeline and `postern
// audit list --device` show an admin asking "why isn't this phone syncing":
// the last IMAP commands with their folder, result and duration, and SMTP
// submissions accepted or refused. New commands are held in memory per
// device and, every few seconds (and when the gateway stops), put in front of
// `device.last_commands` for every device that did something, in one
// statement that keeps the newest LAST_COMMANDS — so several gateways can
// serve one device's sessions.
// Never a password or message content: command names, folder names, reply
// codes and the reply text of a refusal.
import type { DeviceCommand } from "@postern/db/provisioning";
import type pg from "pg";
import type { Log } from "../log.ts";

/** Commands kept per device. */
export const LAST_COMMANDS = 20;
/** How often devices with new commands are written. */
const FLUSH_MS = 5_000;
/** Longest reply text kept. */
const MAX_TEXT = 200;

/** What is kept per command: the shape of `device.last_commands` (packages/db portal-views.ts). */
export type CommandEntry = DeviceCommand;

export class DeviceActivity {
  private readonly recent = new Map<string, CommandEntry[]>();
  private readonly dirty = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Log,
    flushMs = FLUSH_MS,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  record(deviceId: string, entry: Omit<CommandEntry, "at">): void {
    let list = this.recent.get(deviceId);
    if (!list) {
      list = [];
      this.recent.set(deviceId, list);
    }
    const e: CommandEntry = { at: new Date().toISOString(), ...entry };
    if (e.ms !== undefined) e.ms = Math.round(e.ms);
    if (e.text && e.text.length > MAX_TEXT) e.text = `${e.text.slice(0, MAX_TEXT)}…`;
    list.unshift(e);
    if (list.length > LAST_COMMANDS) list.length = LAST_COMMANDS;
    this.dirty.add(deviceId);
  }

  /** Write every device with new commands; one at a time. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (!this.dirty.size) return Promise.resolve();
    const rows = [...this.dirty].map((id) => ({ id, commands: this.recent.get(id) ?? [] }));
    this.dirty.clear();
    for (const { id } of rows) this.recent.delete(id);
    this.flushing = this.pool
      .query(
        `UPDATE device d
            SET last_commands = jsonb_path_query_array(v.commands || d.last_commands, ('$[0 to ' || $2 || ']')::jsonpath)
           FROM jsonb_to_recordset($1::jsonb) AS v(id uuid, commands jsonb) WHERE d.id = v.id`,
        [JSON.stringify(rows), LAST_COMMANDS - 1],
      )
      .then(
        () => {},
        (err: Error) => this.log.warn({ err: err.message, devices: rows.length }, "could not record devices' commands"),
      )
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
