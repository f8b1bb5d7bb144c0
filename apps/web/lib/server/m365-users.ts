// "Import from Microsoft 365": lists the directory's users with Graph
// (app-only token, `GET /users`, following `@odata.nextLink` verbatim as
// reference A2 requires) and hands them to the provisioning import. Every
// failure is said in words an admin can act on.
import "server-only";
import {
  backendSecretContext,
  importM365Users,
  invalid,
  type M365User,
  MAX_M365_IMPORT_USERS,
  notFound,
  tooManyM365Users,
} from "@postern/db/provisioning";
import { DEFAULT_AUTHORITY, DEFAULT_GRAPH_API } from "@/lib/schemas/backend";
import { explainFailure } from "./connection-test/report.ts";
import { type GraphApp, requestAppToken } from "./graph-token.ts";
import type { TenantAccess } from "./session.ts";

const USERS_QUERY = "$select=id,displayName,mail,userPrincipalName&$top=999";
/** Graph may return short pages; this only stops a nextLink that never ends. */
const MAX_PAGES = 1000;

/** The Microsoft 365 backends of a tenant that can import: connected, with a stored secret. */
export function importableGraphBackends(access: TenantAccess) {
  return access.ctx.prisma.backend.findMany({
    where: { tenantId: access.tenant.id, kind: "graph", graphTenantId: { not: null }, secretCipher: { not: null } },
    select: { id: true, name: true, kind: true },
    orderBy: { createdAt: "asc" },
  });
}

export async function importFromMicrosoft365(access: TenantAccess, backendId: string) {
  const b = await access.ctx.prisma.backend.findFirst({
    where: { id: backendId, tenantId: access.tenant.id, kind: "graph" },
    omit: { secretCipher: false },
  });
  if (!b) throw notFound("No such Microsoft 365 mail system in this workspace");
  if (!b.graphTenantId) throw invalid("Connect Microsoft 365 first, on the mail system's page.");
  if (!b.secretCipher || !b.graphClientId)
    throw invalid("Enter the app registration's client id and client secret on the mail system's page first.");
  const users = await listUsers({
    authority: b.graphAuthority ?? DEFAULT_AUTHORITY,
    graphTenantId: b.graphTenantId,
    clientId: b.graphClientId,
    secret: access.ctx.keyring.decrypt(b.secretCipher, backendSecretContext(b.id)),
    apiBase: b.graphApiBase ?? DEFAULT_GRAPH_API,
  });
  return importM365Users(access.ctx, { tenantId: access.tenant.id, backendId: b.id, users });
}

/** Every user of the directory, or an error in words. */
export async function listUsers(app: GraphApp): Promise<M365User[]> {
  const token = await requestAppToken(app);
  if (!token.ok) {
    if (token.refused)
      throw invalid(
        `Microsoft 365 refused Postern's sign-in: ${token.words} Check the client id and secret on the mail system's page.`,
      );
    throw invalid(
      `Microsoft 365 sign-in is unreachable. ${explainFailure(token.host, undefined, token.detail).problem}`,
    );
  }
  const origin = new URL(app.apiBase).origin;
  const users: M365User[] = [];
  let next: string | undefined = `${app.apiBase.replace(/\/$/, "")}/users?${USERS_QUERY}`;
  for (let pages = 0; next && pages < MAX_PAGES; pages++) {
    // The token goes to Graph only, never to wherever a nextLink might point.
    if (new URL(next).origin !== origin) throw invalid(`Microsoft Graph sent a next page on another host: ${next}`);
    const page = await getPage(next, token.accessToken);
    users.push(...page.value);
    if (users.length > MAX_M365_IMPORT_USERS) throw tooManyM365Users();
    next = page["@odata.nextLink"];
  }
  if (next) throw invalid("Microsoft Graph kept sending more pages of users; try again later.");
  return users;
}

async function getPage(url: string, accessToken: string) {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const { problem } = explainFailure(
      new URL(url).host,
      undefined,
      String((err as Error).cause ?? (err as Error).message),
    );
    throw invalid(`Microsoft Graph is unreachable. ${problem}`);
  }
  const body = (await res.json().catch(() => null)) as {
    value?: M365User[];
    "@odata.nextLink"?: string;
    error?: { code?: string; message?: string };
  } | null;
  if (res.ok && body && Array.isArray(body.value))
    return { value: body.value, "@odata.nextLink": body["@odata.nextLink"] };
  // A10: branch on the status and `error.code`, never on the message.
  const code = body?.error?.code ? ` (${body.error.code})` : "";
  if (res.status === 403)
    throw invalid(
      `Microsoft 365 did not let Postern's app list your users${code}. In Entra, add the Microsoft Graph application permission User.Read.All to the app registration, then use “Connect Microsoft 365” again to grant it.`,
    );
  if (res.status === 401)
    throw invalid(`Microsoft Graph did not accept Postern's token${code}. Use “Connect Microsoft 365” again.`);
  if (res.status === 429 || res.status >= 500)
    throw invalid(`Microsoft Graph is busy or unavailable (HTTP ${res.status}${code}). Try again in a few minutes.`);
  throw invalid(`Microsoft Graph refused to list users: HTTP ${res.status}${code}.`);
}
