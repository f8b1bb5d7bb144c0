// One POP3 session per maildrop at a time from this process. RFC 1939 §4
// gives a session an exclusive lock on the maildrop, and servers that
// enforce it answer a second login with -ERR [IN-USE]; even those that do
// not (Dovecot by default) would let one session's deletions race
// another's listing. Keyed by server and login, so two BackendSession
// objects for the same mailbox (a sync and a body fetch) also take turns.

const tails = new Map<string, Promise<unknown>>();

export function maildropKey(a: { host: string; port: number; login: string }): string {
  return `${a.host.toLowerCase()}:${a.port}:${a.login}`;
}

/** Run `fn` after every earlier call for `key` has settled. */
export function withMaildrop<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = tails.get(key) ?? Promise.resolve();
  const run = before.then(fn);
  const tail = run.catch(() => {});
  tails.set(key, tail);
  // Forget the key once nothing else queued behind this call, so the map does not grow.
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}
