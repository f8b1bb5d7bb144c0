// The certificate every listener uses: TLS_CERT/TLS_KEY when configured,
// otherwise a self-signed one generated into the data directory on first
// start, naming the public host name, localhost and 127.0.0.1 (mbsync and
// others check the name even when told to trust the certificate).
import { X509Certificate } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { generate } from "selfsigned";
import type { Log } from "./log.ts";

export interface TlsMaterial {
  cert: string;
  key: string;
  selfSigned: boolean;
  certPath: string;
}

export async function loadTls(opts: {
  dataDir: string;
  publicHost: string;
  certPath?: string;
  keyPath?: string;
  log: Log;
}): Promise<TlsMaterial> {
  if (opts.certPath && opts.keyPath) {
    return {
      cert: await readFile(opts.certPath, "utf8"),
      key: await readFile(opts.keyPath, "utf8"),
      selfSigned: false,
      certPath: opts.certPath,
    };
  }
  const dir = path.join(opts.dataDir, "tls");
  const certPath = path.join(dir, "selfsigned.crt");
  const keyPath = path.join(dir, "selfsigned.key");
  const names = [...new Set([opts.publicHost.toLowerCase(), "localhost"])];
  try {
    const cert = await readFile(certPath, "utf8");
    const key = await readFile(keyPath, "utf8");
    const x = new X509Certificate(cert);
    const san = x.subjectAltName ?? "";
    const fresh = new Date(x.validTo).getTime() > Date.now() + 7 * 86400_000;
    if (fresh && names.every((n) => san.includes(`DNS:${n}`)) && san.includes("IP Address:127.0.0.1")) {
      return { cert, key, selfSigned: true, certPath };
    }
    opts.log.info({ certPath }, "regenerating self-signed certificate (host name changed or expiring)");
  } catch {}
  await mkdir(dir, { recursive: true });
  const notBeforeDate = new Date(Date.now() - 86400_000);
  const notAfterDate = new Date(Date.now() + 825 * 86400_000);
  const pems = await generate([{ name: "commonName", value: opts.publicHost }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [...names.map((value) => ({ type: 2 as const, value })), { type: 7 as const, ip: "127.0.0.1" }],
      },
    ],
  });
  await writeFile(keyPath, pems.private, { mode: 0o600 });
  await writeFile(certPath, pems.cert, { mode: 0o644 });
  opts.log.info({ certPath, names }, "generated a self-signed certificate");
  return { cert: pems.cert, key: pems.private, selfSigned: true, certPath };
}
