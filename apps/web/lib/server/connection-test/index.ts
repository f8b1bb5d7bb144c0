// "Test connection": really connects, from the server, with what the admin
// entered (saved secrets fill in fields left blank), and reports in words.
import "server-only";
import { backendSecretContext, mailboxSecretContext, notFound } from "@postern/db/provisioning";
import { type BackendTestForm, DEFAULT_AUTHORITY, DEFAULT_GRAPH_API } from "@/lib/schemas/backend";
import type { TenantAccess } from "../session.ts";
import { testMailstore } from "./mailstore.ts";
import { testEws, testGraph } from "./microsoft.ts";
import { testRelay } from "./relay.ts";
import type { TestReport } from "./report.ts";

export type { TestReport } from "./report.ts";

async function saved(access: TenantAccess, backendId: string | undefined) {
  if (!backendId) return null;
  const b = await access.ctx.prisma.backend.findFirst({
    where: { id: backendId, tenantId: access.tenant.id },
    select: { id: true, secretCipher: true },
  });
  if (!b) throw notFound("No such backend in this workspace");
  return {
    secret: b.secretCipher ? access.ctx.keyring.decrypt(b.secretCipher, backendSecretContext(b.id)) : null,
    /** The first mailbox's login, to test with when no test login is given. */
    async firstMailbox() {
      const m = await access.ctx.prisma.mailbox.findFirst({
        where: { backendId: b.id },
        orderBy: { createdAt: "asc" },
        select: { id: true, address: true, login: true, secretCipher: true },
      });
      if (!m?.secretCipher) return null;
      return {
        login: m.login ?? m.address,
        password: access.ctx.keyring.decrypt(m.secretCipher, mailboxSecretContext(m.id)),
      };
    },
  };
}

export async function testConnection(access: TenantAccess, f: BackendTestForm): Promise<TestReport[]> {
  const stored = await saved(access, f.backendId);
  const secret = f.secret || stored?.secret || null;
  const reports: TestReport[] = [];
  if (f.kind === "imap" || f.kind === "pop3") {
    if (!f.host) return [{ ok: false, title: "Nothing to test", problem: "Enter the server's host name first." }];
    let creds = f.testLogin ? { login: f.testLogin, password: f.testPassword ?? "" } : null;
    creds ??= (await stored?.firstMailbox()) ?? null;
    if (!creds) {
      reports.push({
        ok: false,
        title: "A mailbox login is needed",
        problem:
          "Enter the login and password of one mailbox on this server to test with. They are used for this test only.",
      });
    } else {
      const security = f.security ?? "tls";
      const port = f.port ?? (f.kind === "imap" ? (security === "tls" ? 993 : 143) : security === "tls" ? 995 : 110);
      reports.push(
        await testMailstore({
          kind: f.kind,
          host: f.host,
          port,
          security,
          ...creds,
          ca: f.tlsCa,
          insecureTls: f.tlsInsecure,
        }),
      );
    }
  }
  if (f.kind === "graph") {
    reports.push(
      await testGraph({
        authority: f.graphAuthority ?? DEFAULT_AUTHORITY,
        graphTenantId: f.graphTenantId ?? null,
        clientId: f.graphClientId ?? "",
        secret,
        apiBase: f.graphApiBase ?? DEFAULT_GRAPH_API,
      }),
    );
  }
  if (f.kind === "ews") {
    if (!f.ewsUrl) return [{ ok: false, title: "Nothing to test", problem: "Enter the EWS URL first." }];
    reports.push(await testEws({ url: f.ewsUrl, login: f.testLogin, password: f.testPassword }));
  }
  if (f.smtpHost && f.kind !== "graph" && f.kind !== "ews") {
    const security = f.smtpSecurity ?? "starttls";
    const port = f.smtpPort ?? (security === "tls" ? 465 : security === "starttls" ? 587 : 25);
    reports.push(
      await testRelay({
        host: f.smtpHost,
        port,
        security,
        user: f.smtpUser,
        password: secret ?? undefined,
        ca: f.tlsCa,
        insecureTls: f.tlsInsecure,
      }),
    );
  }
  if (!reports.length)
    reports.push({
      ok: true,
      title: "Nothing to connect to",
      summary: "A Postern-hosted backend keeps mail in Postern itself.",
    });
  return reports;
}
