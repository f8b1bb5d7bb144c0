// Cross-process events from the CLI and the portal (device revoked, mailbox
// added…) arrive by PostgreSQL LISTEN/NOTIFY. The connection is re-made when
// it drops; a missed event costs only latency because every consumer can
// re-read the truth from the database.
import { EVENTS_CHANNEL, type PosternEvent } from "@postern/db/provisioning";
import pg from "pg";
import type { Log } from "./log.ts";

type Handler = (event: PosternEvent) => void;

/** Folder changes between gateway processes sharing one database (store/bus.ts). */
export const CHANGES_CHANNEL = "postern_changes";

export class EventListener {
  private client: pg.Client | null = null;
  private handlers = new Set<Handler>();
  private changeHandlers = new Set<(payload: string) => void>();
  private reconnectHandlers = new Set<() => void>();
  /** The connection dropped since start(): the next successful start() is a reconnect. */
  private dropped = false;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  connected = false;
  /** The server process of the LISTEN connection (what an operator sees in pg_stat_activity). */
  backendPid: number | null = null;

  constructor(
    private readonly url: string,
    private readonly log: Log,
  ) {}

  on(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onChange(handler: (payload: string) => void): void {
    this.changeHandlers.add(handler);
  }

  /** Called when LISTEN is back after a drop: events and changes sent meanwhile were missed. */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: "postern-events" });
    client.on("notification", (msg) => {
      if (msg.channel === CHANGES_CHANNEL && msg.payload) {
        for (const h of this.changeHandlers) h(msg.payload);
        return;
      }
      if (msg.channel !== EVENTS_CHANNEL || !msg.payload) return;
      let event: PosternEvent;
      try {
        event = JSON.parse(msg.payload);
      } catch {
        this.log.warn({ payload: msg.payload.slice(0, 200) }, "unparseable event");
        return;
      }
      for (const h of this.handlers) h(event);
    });
    client.on("error", (err) => {
      this.log.warn({ err: err.message }, "event listener connection failed; reconnecting");
      this.reconnect();
    });
    client.on("end", () => this.reconnect());
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    this.backendPid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid;
    this.client = client;
    this.connected = true;
    if (this.dropped) {
      this.dropped = false;
      this.log.info({}, "event listener reconnected; waking every watcher for what it missed");
      for (const h of this.reconnectHandlers) h();
    }
  }

  private reconnect(): void {
    this.connected = false;
    this.dropped = true;
    if (this.stopped || this.retry) return;
    this.client = null;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.start().catch((err) => {
        this.log.warn({ err: err.message }, "event listener reconnect failed");
        this.reconnect();
      });
    }, 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    this.connected = false;
    await c?.end().catch(() => {});
  }
}
