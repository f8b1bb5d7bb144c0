// "Connect Microsoft 365": the admin-consent redirect (Entra v1 form,
// consenting to the permissions configured on the app registration) and its
// callback. `state` is signed with NEXTAUTH_SECRET, names the backend, the
// tenant and the user, expires in 15 minutes, and must match a nonce cookie
// of the same browser. The tenant id Microsoft returns is stored as data,
// never used for authorization.
import "server-only";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { setGraphTenant } from "@postern/db/provisioning";
import { DEFAULT_AUTHORITY } from "@/lib/schemas/backend";
import { publicUrl } from "./request.ts";
import { ADMINS, type TenantAccess, tenantAccess } from "./session.ts";

export const STATE_COOKIE = "postern_m365";
const TTL_MS = 15 * 60 * 1000;

interface State {
  b: string;
  s: string;
  u: string;
  n: string;
  e: number;
}

function key(): string {
  const k = process.env.NEXTAUTH_SECRET;
  if (!k) throw new Error("NEXTAUTH_SECRET is not set");
  return k;
}

function sign(payload: string): string {
  return createHmac("sha256", key()).update(`m365:${payload}`).digest("base64url");
}

export function callbackUrl(): string {
  return publicUrl("/api/m365/callback");
}

/** Where to send the admin, and the nonce for the cookie. */
export async function consentRedirect(access: TenantAccess, backendId: string) {
  const b = await access.ctx.prisma.backend.findFirst({
    where: { id: backendId, tenantId: access.tenant.id, kind: "graph" },
  });
  if (!b) return null;
  if (!b.graphClientId) return { error: "Enter the application (client) id and save first." } as const;
  const nonce = randomBytes(16).toString("base64url");
  const payload = Buffer.from(
    JSON.stringify({
      b: b.id,
      s: access.tenant.slug,
      u: access.user.id,
      n: nonce,
      e: Date.now() + TTL_MS,
    } satisfies State),
  ).toString("base64url");
  const state = `${payload}.${sign(payload)}`;
  const authority = (b.graphAuthority ?? DEFAULT_AUTHORITY).replace(/\/$/, "");
  // The v1 adminconsent form takes a tenant or `common` (`organizations` is the v2 form's).
  const url = new URL(`${authority}/${encodeURIComponent(b.graphTenantId || "common")}/adminconsent`);
  url.searchParams.set("client_id", b.graphClientId);
  url.searchParams.set("redirect_uri", callbackUrl());
  url.searchParams.set("state", state);
  return { url: url.toString(), nonce } as const;
}

export type CallbackOutcome =
  | { ok: true; slug: string; backendId: string }
  | { ok: false; slug?: string; backendId?: string; message: string };

export async function completeConsent(q: URLSearchParams, cookieNonce: string | undefined): Promise<CallbackOutcome> {
  const state = q.get("state") ?? "";
  const [payload, mac] = state.split(".");
  if (!payload || !mac) {
    // Entra's documented refusal carries no state: say what Microsoft said.
    const error = q.get("error");
    if (error)
      return {
        ok: false,
        message: `Microsoft did not grant access: ${q.get("error_description")?.split(/\r?\n/)[0] ?? error}. Start again from the mail system's page.`,
      };
    return { ok: false, message: "The answer from Microsoft did not carry Postern's state. Start again." };
  }
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, message: "The answer from Microsoft was not for this Postern. Start again." };
  const s = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as State;
  const back = { slug: s.s, backendId: s.b };
  if (s.e < Date.now()) return { ok: false, ...back, message: "That took longer than 15 minutes. Start again." };
  if (!cookieNonce || cookieNonce !== s.n)
    return { ok: false, ...back, message: "Finish the connection in the browser that started it." };
  const access = await tenantAccess(s.s);
  if (!access || access.user.id !== s.u || !ADMINS.includes(access.role))
    return { ok: false, ...back, message: "Sign in as the admin who started the connection." };
  const error = q.get("error");
  if (error) {
    const why = q.get("error_description")?.split(/\r?\n/)[0] ?? error;
    return { ok: false, ...back, message: `Microsoft did not grant access: ${why}` };
  }
  const tenant = q.get("tenant");
  if (!tenant || q.get("admin_consent")?.toLowerCase() !== "true")
    return { ok: false, ...back, message: "Microsoft did not confirm admin consent." };
  await setGraphTenant(access.ctx, { tenantId: access.tenant.id, id: s.b, graphTenantId: tenant });
  return { ok: true, ...back };
}
