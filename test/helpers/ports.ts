import net from "node:net";

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/** Connect and return the first line the server sends. */
export function greeting(port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`no greeting on ${port}`));
    }, timeoutMs);
    s.once("data", (d) => {
      clearTimeout(t);
      s.destroy();
      resolve(d.toString("latin1").split("\r\n")[0]);
    });
    s.on("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/** Wait until fn() resolves truthy, or fail after the deadline. No fixed sleeps. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
