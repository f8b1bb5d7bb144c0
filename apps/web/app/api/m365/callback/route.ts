// Entra redirects here after admin consent.
import { cookies } from "next/headers";
import { NextResponse } from "next/server";
import { completeConsent, STATE_COOKIE } from "@/lib/server/m365";
import { publicUrl } from "@/lib/server/request";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  const jar = await cookies();
  const r = await completeConsent(new URL(req.url).searchParams, jar.get(STATE_COOKIE)?.value);
  if (!r.slug || !r.backendId) return new NextResponse(r.ok ? "Connected" : r.message, { status: r.ok ? 200 : 400 });
  const target = `/t/${r.slug}/backends/${r.backendId}?m365=${encodeURIComponent(r.ok ? "connected" : r.message)}`;
  const res = NextResponse.redirect(publicUrl(target), 303);
  res.cookies.delete({ name: STATE_COOKIE, path: "/api/m365" });
  return res;
}
