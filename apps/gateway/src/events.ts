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
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  connected = false;

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

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
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
    this.client = client;
    this.connected = true;
  }

  private reconnect(): void {
    this.connected = false;
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
