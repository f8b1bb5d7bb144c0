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

  /** Folders with at least one listener (for metrics). */
  get watchedFolders(): number {
    return this.listeners.size;
  }
}
