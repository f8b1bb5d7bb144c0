// The change bus: "folder F reached MODSEQ m". It only wakes sessions; each
// woken session reads what changed since its own MODSEQ from the index, so a
// lost or duplicated signal costs latency, never correctness. In process
// today; the interface is what a LISTEN/NOTIFY implementation would fill for
// several gateway instances on one database.

export interface ChangeBus {
  publish(folderId: number, modseq: number): void;
  subscribe(folderId: number, listener: (modseq: number) => void): () => void;
}

export class InProcessBus implements ChangeBus {
  private readonly listeners = new Map<number, Set<(modseq: number) => void>>();

  publish(folderId: number, modseq: number): void {
    const set = this.listeners.get(folderId);
    if (!set) return;
    for (const fn of set) {
      try {
        fn(modseq);
      } catch {
        // A listener's failure is its session's problem, not the publisher's.
      }
    }
  }

  subscribe(folderId: number, listener: (modseq: number) => void): () => void {
    let set = this.listeners.get(folderId);
    if (!set) {
      set = new Set();
      this.listeners.set(folderId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.listeners.delete(folderId);
    };
  }

  /** Wake every listener: something may have changed anywhere (e.g. NOTIFYs were missed). */
  publishAll(): void {
    for (const folderId of [...this.listeners.keys()]) this.publish(folderId, 0);
  }

  /** Folders with at least one listener (for metrics). */
  get watchedFolders(): number {
    return this.listeners.size;
  }
}

/**
 * The change bus across gateway processes that share one database: local
 * listeners hear a change at once; other processes hear it through
 * PostgreSQL NOTIFY (one small statement per change) and publish it to
 * their own listeners. NOTIFYs sent while this process's LISTEN connection
 * was down are lost, so when it is back every local listener is woken
 * (resync): IDLE sessions read what changed since their MODSEQ and the
 * metadata cache drops what it held. A lost notification costs latency,
 * never a missed change.
 */
export class PgNotifyBus implements ChangeBus {
  private readonly local = new InProcessBus();
  private readonly instance = Math.random().toString(36).slice(2, 10);

  constructor(
    private readonly notify: (payload: string) => Promise<unknown>,
    private readonly onError: (err: Error) => void,
  ) {}

  publish(folderId: number, modseq: number): void {
    this.local.publish(folderId, modseq);
    this.notify(`${this.instance}:${folderId}:${modseq}`).catch((err: Error) => this.onError(err));
  }

  subscribe(folderId: number, listener: (modseq: number) => void): () => void {
    return this.local.subscribe(folderId, listener);
  }

  /** The LISTEN connection came back after a drop: what was announced meanwhile was not heard. */
  resync(): void {
    this.local.publishAll();
  }

  /** A NOTIFY from any process (including this one, which is skipped). */
  received(payload: string): void {
    const [instance, folder, modseq] = payload.split(":");
    if (instance === this.instance) return;
    this.local.publish(Number(folder), Number(modseq));
  }
}
