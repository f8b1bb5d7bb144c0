// Microsoft Autodiscover (POX). Reached as /autodiscover/autodiscover.xml
// (and Outlook's /Autodiscover/Autodiscover.xml) through rewrites.
import { autodiscoverError, requestedAddress } from "@/lib/onboarding/autodiscover";
import { autodiscoverFor } from "@/lib/server/onboarding";

export const dynamic = "force-dynamic";
const XML = { "content-type": "text/xml; charset=utf-8", "cache-control": "no-cache" };

export async function POST(req: Request) {
  const body = (await req.text()).slice(0, 64 * 1024);
  const address = requestedAddress(body);
  if (!address) return new Response(autodiscoverError("Invalid Request"), { status: 400, headers: XML });
  const xml = await autodiscoverFor(address);
  if (!xml) return new Response(autodiscoverError("No mail settings for this address"), { status: 404, headers: XML });
  return new Response(xml, { headers: XML });
}

export function GET() {
  return new Response(autodiscoverError("Invalid Request"), { status: 405, headers: { ...XML, allow: "POST" } });
}
