// Test an SMTP relay: connect, EHLO, TLS, AUTH — nodemailer's verify().
import "server-only";
import tls from "node:tls";
import nodemailer from "nodemailer";
import { explainFailure, type TestReport } from "./report.ts";

export interface RelayTarget {
  host: string;
  port: number;
  security: "tls" | "starttls" | "none";
  user?: string;
  password?: string;
  ca?: string;
  insecureTls?: boolean;
}

export async function testRelay(t: RelayTarget): Promise<TestReport> {
  const where = `${t.host}:${t.port}`;
  const transport = nodemailer.createTransport({
    host: t.host,
    port: t.port,
    secure: t.security === "tls",
    requireTLS: t.security === "starttls",
    ignoreTLS: t.security === "none",
    auth: t.user ? { user: t.user, pass: t.password ?? "" } : undefined,
    tls: {
      rejectUnauthorized: t.insecureTls !== true,
      ca: t.ca ? [...tls.rootCertificates, t.ca] : undefined,
      minVersion: "TLSv1.2",
    },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 15_000,
  });
  try {
    await transport.verify();
    return {
      ok: true,
      title: "The SMTP relay accepts Postern",
      summary: `Connected to ${where}${t.security === "none" ? " without encryption" : " with TLS"}${t.user ? ` and logged in as ${t.user}` : ""}. Mail phones send will go out through it.`,
    };
  } catch (err) {
    const e = err as { code?: string; responseCode?: number; message?: string };
    const code = e.code === "EAUTH" || e.responseCode === 535 ? "authFailed" : e.code;
    const { problem, fix } = explainFailure(`the relay ${where}`, code, `${e.code ?? ""} ${e.message ?? ""}`);
    return { ok: false, title: "The relay test did not pass", problem, fix };
  } finally {
    transport.close();
  }
}
