// A test double for Entra ID (the Microsoft identity platform) and Microsoft
// Graph, because Exchange Online cannot run here. It is faithful to
// ../shared/reference/exchange-and-onboarding.md PART A, and to nothing else:
// where the reference gives no wording or AADSTS number, the double says so
// rather than invent one.
//
// One plain node:http server on a free 127.0.0.1 port stands for both
// login.microsoftonline.com (`authority`) and graph.microsoft.com
// (`graphApiBase` = `${url}/v1.0`); their paths do not overlap. It holds one
// Entra tenant (a GUID and a *.onmicrosoft.com domain) with one app
// registration (client id, client secret, registered redirect URIs,
// statically configured application permissions) and a list of users.
//
// Implemented:
// - A1 `POST /{tenant}/oauth2/v2.0/token`, client credentials only:
//   form-encoded; the secret in the body or in HTTP Basic (RFC 6749 §2.3.1);
//   the scope must be one `{resource}/.default` (else invalid_scope,
//   AADSTS1002012); unknown client or wrong secret → invalid_client; success
//   `{token_type:"Bearer",expires_in:3599,access_token}`; errors in the AAD
//   JSON shape. A token is issued whether or not an admin consented (the
//   app's permissions are checked by Graph, not by /token).
// - A1 `GET /{tenant|common}/adminconsent?client_id&state&redirect_uri` (the
//   v1 form): the admin's answer is `consentAnswer`; "grant" redirects to
//   `{redirect_uri}?tenant={guid}&state=..&admin_consent=True` and consents to
//   every configured permission, "deny" to
//   `{redirect_uri}?error=permission_denied&error_description=The+admin+canceled+the+request&state=..`.
//   An unknown client or a redirect URI that is not registered gets an error
//   page and no redirect.
// - A2/A11 Graph `GET /v1.0/users`: `$select` and `$top` (1–1000) honoured,
//   default page 10, `@odata.nextLink` an absolute URL with an opaque
//   `$skiptoken`; `Authorization: Bearer` required (401
//   InvalidAuthenticationToken with WWW-Authenticate otherwise, A10), 403
//   ErrorAccessDenied unless User.Read.All is configured and consented;
//   `GET /v1.0/me` with an app token → 400 BadRequest (A1). Errors use the
//   A10 shape with innerError and request-id headers.
//
// Not implemented: mail (A3–A9), delta, webhooks, throttling, the v2
// adminconsent form, delegated flows, certificates.
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface GraphUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  /** null for a user without a mailbox. */
  mail: string | null;
}

export interface MicrosoftDouble {
  /** http://127.0.0.1:port — both the authority and Graph's origin. */
  url: string;
  authority: string;
  graphApiBase: string;
  tenantId: string;
  tenantDomain: string;
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs registered on the app (A1: must match exactly). */
  redirectUris: string[];
  /** Application permissions configured on the app registration. */
  permissions: string[];
  /** Whether an admin has consented (set by a granted adminconsent). */
  consented: boolean;
  /** What the admin answers on the consent page. */
  consentAnswer: "grant" | "deny";
  /**
   * Graph decides page sizes itself and may return fewer than `$top`; a cap
   * lets a test make it page with the client's `$top`.
   */
  pageSizeCap: number | null;
  users: GraphUser[];
  /** Every request, in order: method and URL as received. */
  requests: Array<{ method: string; url: string }>;
  /** Expire every token issued so far. */
  expireTokens(): void;
  stop(): Promise<void>;
}

const GRAPH_DEFAULT_PAGE = 10;
const GRAPH_MAX_TOP = 1000;
const TOKEN_SECONDS = 3599;
const USER_PROPERTIES = ["id", "displayName", "userPrincipalName", "mail"] as const;

export async function startMicrosoftDouble(
  opts: Partial<Pick<MicrosoftDouble, "users" | "permissions" | "consented" | "redirectUris" | "pageSizeCap">> = {},
): Promise<MicrosoftDouble> {
  const tokens = new Map<string, { resource: string; expires: number }>();
  const skiptokens = new Map<string, number>();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tenantId = randomUUID();
  const d: MicrosoftDouble = {
    url,
    authority: url,
    graphApiBase: `${url}/v1.0`,
    tenantId,
    tenantDomain: `t${tenantId.slice(0, 8)}.onmicrosoft.com`,
    clientId: randomUUID(),
    clientSecret: randomBytes(24).toString("base64url"),
    redirectUris: opts.redirectUris ?? [],
    permissions: opts.permissions ?? ["User.Read.All", "Mail.ReadWrite", "Mail.Send"],
    consented: opts.consented ?? false,
    consentAnswer: "grant",
    pageSizeCap: opts.pageSizeCap ?? null,
    users: opts.users ?? [],
    requests: [],
    expireTokens() {
      for (const t of tokens.values()) t.expires = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const ourTenant = (t: string) => t === d.tenantId || t.toLowerCase() === d.tenantDomain;

  function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  }

  /** A1: the AAD error shape. `codes` only where the reference names an AADSTS number. */
  function aadError(
    res: http.ServerResponse,
    status: number,
    error: string,
    description: string,
    codes: number[] = [],
  ) {
    json(res, status, {
      error,
      error_description: description,
      ...(codes.length ? { error_codes: codes } : {}),
      timestamp: new Date().toISOString().replace("T", " ").slice(0, 19) + "Z",
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    });
  }

  /** A10: the Graph error shape, with request-id headers. */
  function graphError(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    const requestId = randomUUID();
    const clientRequestId = String(req.headers["client-request-id"] ?? requestId);
    json(
      res,
      status,
      {
        error: {
          code,
          message,
          innerError: {
            date: new Date().toISOString().slice(0, 19),
            "request-id": requestId,
            "client-request-id": clientRequestId,
          },
        },
      },
      { "request-id": requestId, "client-request-id": clientRequestId, ...headers },
    );
  }

  async function body(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  async function token(req: http.IncomingMessage, res: http.ServerResponse, tenant: string) {
    if (!String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"))
      return aadError(res, 400, "invalid_request", "The request body must be application/x-www-form-urlencoded.");
    const form = new URLSearchParams(await body(req));
    // The reference names no AADSTS number for an unknown tenant.
    if (!ourTenant(tenant)) return aadError(res, 400, "invalid_request", `Tenant '${tenant}' not found.`);
    if (form.get("grant_type") !== "client_credentials")
      return aadError(res, 400, "unsupported_grant_type", "The double implements client_credentials only.");
    let clientId = form.get("client_id");
    let secret = form.get("client_secret");
    const basic = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ""));
    if (basic) {
      // RFC 6749 §2.3.1: both halves are form-urlencoded before base64.
      const [id, pw = ""] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
      clientId = decodeURIComponent(id.replace(/\+/g, " "));
      secret = decodeURIComponent(pw.replace(/\+/g, " "));
    }
    if (!clientId) return aadError(res, 400, "invalid_request", "The request body must contain client_id.");
    // RFC 6749 §5.2: invalid_client covers an unknown client and a failed
    // authentication; 401 because the client did try to authenticate.
    if (clientId !== d.clientId || secret !== d.clientSecret)
      return aadError(res, 401, "invalid_client", "Invalid client secret provided, or the client is unknown.");
    const scope = (form.get("scope") ?? "").trim();
    if (!scope) return aadError(res, 400, "invalid_request", "The request body must contain scope.");
    if (scope.split(/\s+/).length !== 1 || !scope.endsWith("/.default"))
      return aadError(
        res,
        400,
        "invalid_scope",
        `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
        [1002012],
      );
    const accessToken = randomBytes(32).toString("base64url");
    tokens.set(accessToken, {
      resource: scope.slice(0, -"/.default".length),
      expires: Date.now() + TOKEN_SECONDS * 1000,
    });
    json(res, 200, { token_type: "Bearer", expires_in: TOKEN_SECONDS, access_token: accessToken });
  }

  function adminConsent(res: http.ServerResponse, tenant: string, q: URLSearchParams) {
    const page = (status: number, text: string) => {
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
      res.end(text);
    };
    // A1: the v1 form takes a tenant or `common`.
    if (tenant !== "common" && !ourTenant(tenant)) return page(400, `Tenant '${tenant}' not found.`);
    if (q.get("client_id") !== d.clientId) return page(400, "The application was not found in the directory.");
    const redirectUri = q.get("redirect_uri") ?? "";
    if (!d.redirectUris.includes(redirectUri))
      return page(400, "The redirect URI does not match the redirect URIs configured for the application.");
    const to = new URL(redirectUri);
    const state = q.get("state");
    if (d.consentAnswer === "grant") {
      d.consented = true;
      to.searchParams.set("tenant", d.tenantId);
      if (state !== null) to.searchParams.set("state", state);
      to.searchParams.set("admin_consent", "True");
    } else {
      to.searchParams.set("error", "permission_denied");
      to.searchParams.set("error_description", "The admin canceled the request");
      // RFC 6749 §4.1.2.1: state comes back with errors too.
      if (state !== null) to.searchParams.set("state", state);
    }
    res.writeHead(302, { location: to.toString() });
    res.end();
  }

  /** Whether the bearer token is good; if not, the 401 has been sent. */
  function authorize(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ""));
    const t = m ? tokens.get(m[1]) : undefined;
    const challenge = {
      "www-authenticate": `Bearer realm="", authorization_uri="${d.authority}/common/oauth2/authorize"`,
    };
    if (!t || t.resource !== d.url) {
      graphError(req, res, 401, "InvalidAuthenticationToken", "Access token validation failure.", challenge);
      return false;
    }
    if (t.expires <= Date.now()) {
      graphError(
        req,
        res,
        401,
        "InvalidAuthenticationToken",
        "Access token has expired or is not yet valid.",
        challenge,
      );
      return false;
    }
    return true;
  }

  function users(req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams) {
    if (!d.consented || !d.permissions.includes("User.Read.All"))
      return graphError(req, res, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
    const select = q
      .get("$select")
      ?.split(",")
      .map((s) => s.trim()) ?? [...USER_PROPERTIES];
    const unknown = select.find((p) => !(USER_PROPERTIES as readonly string[]).includes(p));
    // The reference gives no wording for an unknown property; BadRequest is its 400 code.
    if (unknown) return graphError(req, res, 400, "BadRequest", `Could not find a property named '${unknown}'.`);
    const topText = q.get("$top");
    const top = topText === null ? GRAPH_DEFAULT_PAGE : Number(topText);
    if (!Number.isInteger(top) || top < 1 || top > GRAPH_MAX_TOP)
      return graphError(
        req,
        res,
        400,
        "BadRequest",
        `Invalid page size ${topText}: $top must be 1 to ${GRAPH_MAX_TOP}.`,
      );
    const skip = q.get("$skiptoken");
    const offset = skip === null ? 0 : skiptokens.get(skip);
    if (offset === undefined) return graphError(req, res, 400, "invalidRequest", "The $skiptoken is not valid.");
    const size = Math.min(top, d.pageSizeCap ?? top);
    const page = d.users.slice(offset, offset + size);
    const out: Record<string, unknown> = {
      "@odata.context": `${d.graphApiBase}/$metadata#users(${select.join(",")})`,
      value: page.map((u) => Object.fromEntries(select.map((p) => [p, u[p as keyof GraphUser]]))),
    };
    if (offset + size < d.users.length) {
      const next = randomBytes(18).toString("base64url");
      skiptokens.set(next, offset + size);
      const params = [
        ...(q.has("$select") ? [`$select=${encodeURIComponent(select.join(","))}`] : []),
        ...(topText !== null ? [`$top=${top}`] : []),
        `$skiptoken=${next}`,
      ];
      out["@odata.nextLink"] = `${d.graphApiBase}/users?${params.join("&")}`;
    }
    json(res, 200, out);
  }

  server.on("request", (req, res) => {
    d.requests.push({ method: req.method ?? "", url: req.url ?? "" });
    const u = new URL(req.url ?? "/", url);
    const parts = u.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const run = async () => {
      if (req.method === "POST" && parts.length === 4 && parts.slice(1).join("/") === "oauth2/v2.0/token")
        return token(req, res, parts[0]);
      if (req.method === "GET" && parts.length === 2 && parts[1] === "adminconsent")
        return adminConsent(res, parts[0], u.searchParams);
      if (parts[0] === "v1.0") {
        if (!authorize(req, res)) return;
        if (req.method === "GET" && parts.length === 2 && parts[1] === "users") return users(req, res, u.searchParams);
        if (parts[1] === "me")
          return graphError(
            req,
            res,
            400,
            "BadRequest",
            "/me request is only valid with delegated authentication flow.",
          );
      }
      graphError(req, res, 404, "itemNotFound", `The test double does not implement ${req.method} ${u.pathname}.`);
    };
    run().catch((err) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  });
  return d;
}
