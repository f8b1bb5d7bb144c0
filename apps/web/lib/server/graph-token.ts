// An app-only token for Microsoft Graph (client credentials, reference A1):
// POST {authority}/{tenant}/oauth2/v2.0/token with the scope
// `{Graph origin}/.default`. "Test connection" and the Microsoft 365 import
// both get their token here, and say a refusal in the same words.
import "server-only";

export interface GraphApp {
  authority: string;
  graphTenantId: string;
  clientId: string;
  secret: string;
  apiBase: string;
}

export type TokenAnswer =
  | { ok: true; accessToken: string; scope: string }
  | { ok: false; refused: true; words: string }
  | { ok: false; refused: false; host: string; detail: string };

export async function requestAppToken(app: GraphApp): Promise<TokenAnswer> {
  const url = `${app.authority.replace(/\/$/, "")}/${encodeURIComponent(app.graphTenantId)}/oauth2/v2.0/token`;
  let scope = "";
  let res: Response;
  try {
    // A1: client credentials must ask for `{resource}/.default`, one resource only.
    scope = `${new URL(app.apiBase).origin}/.default`;
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: app.clientId,
        client_secret: app.secret,
        scope,
        grant_type: "client_credentials",
      }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    return {
      ok: false,
      refused: false,
      host: URL.canParse(url) ? new URL(url).host : url,
      detail: String((err as Error).cause ?? (err as Error).message),
    };
  }
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (res.ok && body.access_token) return { ok: true, accessToken: body.access_token, scope };
  // A1: branch on `error`; the description's first line is for people.
  const words =
    body.error === "invalid_client"
      ? "The client secret was rejected (wrong, or expired)."
      : body.error === "unauthorized_client"
        ? "The client id is not known in this tenant — has an admin granted consent?"
        : (body.error_description?.split("\r\n")[0] ?? `HTTP ${res.status}`);
  return { ok: false, refused: true, words };
}
