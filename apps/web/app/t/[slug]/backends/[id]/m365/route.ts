// Start "Connect Microsoft 365": checks the admin, then redirects to Entra's admin consent.
import { NextResponse } from "next/server";
import { consentRedirect, STATE_COOKIE } from "@/lib/server/m365";
import { publicUrl } from "@/lib/server/request";
import { ADMINS, tenantAccess } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, { params }: { params: Promise<{ slug: string; id: string }> }) {
  const { slug, id } = await params;
  const access = await tenantAccess(slug);
  if (!access || !ADMINS.includes(access.role)) return new NextResponse("Not found", { status: 404 });
  const r = /^[0-9a-f-]{36}$/i.test(id) ? await consentRedirect(access, id) : null;
  if (!r) return new NextResponse("Not found", { status: 404 });
  if ("error" in r)
    return NextResponse.redirect(publicUrl(`/t/${slug}/backends/${id}?m365=${encodeURIComponent(r.error!)}`), 303);
  const res = NextResponse.redirect(r.url, 303);
  res.cookies.set(STATE_COOKIE, r.nonce, {
    httpOnly: true,
    sameSite: "lax",
    secure: publicUrl().startsWith("https:"),
    maxAge: 15 * 60,
    path: "/api/m365",
  });
  return res;
}
