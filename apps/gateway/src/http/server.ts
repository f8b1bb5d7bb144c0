// The gateway's HTTP port: /healthz (the process is alive), /readyz (the
// database answers and every listener is bound), /metrics (Prometheus).
import http from "node:http";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
  listeners: Record<string, number>;
}

export function startHttpServer(opts: {
  host: string;
  port: number;
  metrics: Metrics;
  readiness: () => Promise<ReadinessReport>;
  log: Log;
}): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      switch (url.pathname) {
        case "/healthz":
          json(res, 200, { status: "ok" });
          return;
        case "/readyz": {
          const report = await opts.readiness();
          json(res, report.ready ? 200 : 503, { status: report.ready ? "ready" : "not ready", ...report });
          return;
        }
        case "/metrics": {
          const body = await opts.metrics.registry.metrics();
          res.writeHead(200, { "content-type": opts.metrics.registry.contentType }).end(body);
          return;
        }
        default:
          json(res, 404, { error: "not found", endpoints: ["/healthz", "/readyz", "/metrics"] });
      }
    } catch (err) {
      opts.log.error({ err, path: url.pathname }, "http handler failed");
      json(res, 500, { error: "internal error" });
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
}
