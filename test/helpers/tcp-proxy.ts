// A TCP proxy for fault tests: forwards to a real server and can cut a
// connection at a chosen moment (for example when the client sends QUIT, so
// a POP3 session ends without committing its deletions).
import net from "node:net";

export interface TcpProxy {
  port: number;
  /** When set, a connection is destroyed (both sides) as soon as the client sends bytes matching it. */
  cutWhen: RegExp | null;
  /** Connections cut so far. */
  cuts: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: TcpProxy = {
    port: 0,
    cutWhen: null,
    cuts: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const cut = () => {
      proxy.cuts++;
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (d) => {
      if (proxy.cutWhen?.test(d.toString("latin1"))) return cut();
      upstream.write(d);
    });
    upstream.on("data", (d) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const a = server.address();
  proxy.port = typeof a === "object" && a ? a.port : 0;
  return proxy;
}
