// Thunderbird autoconfig. Reached as /.well-known/autoconfig/mail/config-v1.1.xml
// and /mail/config-v1.1.xml (rewrites in next.config.ts).
import { autoconfigFor } from "@/lib/server/onboarding";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  const url = new URL(req.url);
  const emailaddress = url.searchParams.get("emailaddress");
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  const xml = await autoconfigFor({ emailaddress, host });
  if (!xml)
    return new Response("No mail settings for this domain\n", {
      status: 404,
      headers: { "content-type": "text/plain" },
    });
  return new Response(xml, {
    headers: { "content-type": "application/xml; charset=utf-8", "cache-control": "no-cache" },
  });
}
