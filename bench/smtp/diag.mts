import { readdirSync, readFileSync } from "node:fs";
import { sendDirect, storedMessages, submitAll, waitRelayed } from "/work/main/bench/smtp/load.ts";
import { startPostern } from "/work/main/bench/smtp/postern.ts";
import { startPostfix } from "/work/main/test/helpers/postfix.ts";

function byName(): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const s = readFileSync(`/proc/${p}/stat`, "utf8");
      const name = s.slice(s.indexOf("(") + 1, s.lastIndexOf(")"));
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      m.set(`${name}|${p}`, Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {}
  }
  return m;
}
function agg(a: Map<string, number>, b: Map<string, number>, tag: Record<number, string>) {
  const out: Record<string, number> = {};
  for (const [k, v] of b) {
    const d = v - (a.get(k) ?? 0);
    const [n, pid] = k.split("|");
    let key = tag[Number(pid)] ?? n;
    if (n === "node" && !tag[Number(pid)]) {
      try {
        key = "node " + readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").slice(0, 60);
      } catch {}
    }
    if (d > 0) out[key] = (out[key] ?? 0) + d;
  }
  return Object.fromEntries(
    Object.entries(out)
      .filter(([, v]) => v > 3)
      .sort((x, y) => y[1] - x[1]),
  );
}
const pf = await startPostfix();
const p = await startPostern({ relay: pf, phones: 10 });
let gw = await p.startGateway({ outbox: false });
const a = await submitAll({ port: gw.smtpsPort, ca: gw.ca, phones: p.phones, perPhone: 200 });
await gw.stop();
gw = await p.startGateway({ outbox: true });
const tag = { [gw.pid]: "GATEWAY", [process.pid]: "BENCH" };
const c0 = byName();
const t0 = Date.now();
const r = await waitRelayed(p.pool, a.accepted, 120000);
const c1 = byName();
const t1 = Date.now();
console.log("relay", r.rate.toFixed(0), t1 - t0, "ms", JSON.stringify(agg(c0, c1, tag)));
await gw.stop();
await pf.drained();
const msgs = await storedMessages(p.pool);
const c2 = byName();
const t2 = Date.now();
const d = await sendDirect({ port: pf.port, ca: pf.certPem, connections: 5, messages: msgs });
await pf.drained();
const c3 = byName();
const t3 = Date.now();
console.log("direct", d.rate.toFixed(0), t3 - t2, "ms", JSON.stringify(agg(c2, c3, tag)));
await p.stop();
await pf.destroy();
