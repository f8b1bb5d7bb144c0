// Tests for Exchange: Microsoft 365 (an app-only token from the tenant's
// authority, which proves the client id, the secret and the consent) and
// on-premises EWS (the endpoint answers, and accepts the credentials when
// given). The mail itself is checked by the Graph and EWS backends.
import "server-only";
import { requestAppToken } from "../graph-token.ts";
import { explainFailure, type TestReport } from "./report.ts";

export async function testGraph(t: {
  authority: string;
  graphTenantId: string | null;
  clientId: string;
  secret: string | null;
  apiBase: string;
}): Promise<TestReport> {
  if (!t.graphTenantId)
    return {
      ok: false,
      title: "Not connected yet",
      problem: "Postern does not know your Microsoft 365 tenant yet.",
      fix: "Save, then use “Connect Microsoft 365” to grant access.",
    };
  if (!t.secret)
    return {
      ok: false,
      title: "No client secret",
      problem: "Enter the app registration's client secret.",
      fix: "Create one under Certificates & secrets in Entra.",
    };
  const r = await requestAppToken({ ...t, graphTenantId: t.graphTenantId, secret: t.secret });
  if (r.ok)
    return {
      ok: true,
      title: "Microsoft 365 granted access",
      summary: `The app got a token for ${r.scope} from tenant ${t.graphTenantId}.`,
    };
  if (r.refused)
    return {
      ok: false,
      title: "Microsoft 365 refused",
      problem: r.words,
      fix: "Check the client id and secret, then connect again.",
    };
  const { problem, fix } = explainFailure(r.host, undefined, r.detail);
  return { ok: false, title: "The test did not pass", problem, fix };
}

export async function testEws(t: { url: string; login?: string; password?: string }): Promise<TestReport> {
  try {
    const headers: Record<string, string> = {};
    if (t.login) headers.authorization = `Basic ${Buffer.from(`${t.login}:${t.password ?? ""}`).toString("base64")}`;
    const res = await fetch(t.url, { headers, signal: AbortSignal.timeout(15_000), redirect: "manual" });
    if (res.status === 401 && t.login)
      return {
        ok: false,
        title: "Password rejected",
        problem: "The Exchange server refused the login.",
        fix: "Check the login (DOMAIN\\user or the address) and the password.",
      };
    if (res.status === 401 || res.ok || res.status === 405)
      return {
        ok: true,
        title: "The Exchange server answers",
        summary: `${new URL(t.url).host} answered at the EWS URL${t.login && res.status !== 401 ? " and accepted the login" : ""}.`,
        notes: ["Mailboxes on EWS sync once the EWS backend is enabled in the gateway."],
      };
    return {
      ok: false,
      title: "Not an EWS endpoint",
      problem: `The URL answered HTTP ${res.status}.`,
      fix: "It usually ends in /EWS/Exchange.asmx.",
    };
  } catch (err) {
    const { problem, fix } = explainFailure(
      new URL(t.url).host,
      undefined,
      String((err as Error).cause ?? (err as Error).message),
    );
    return { ok: false, title: "The test did not pass", problem, fix };
  }
}
