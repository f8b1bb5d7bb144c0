// The setup link opened on iOS (next.config.ts rewrites /enroll/<token> here
// for iPhone and iPad user agents, and for ?as=profile): spends the link and
// answers with a configuration profile carrying the new app password.
import { mobileconfig, profileFilename } from "@/lib/onboarding/mobileconfig";
import { mailSettings } from "@/lib/onboarding/settings";
import { enroll, platformOf } from "@/lib/server/onboarding";
import { clientIpFrom, publicUrl } from "@/lib/server/request";

export const dynamic = "force-dynamic";

export async function GET(req: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const platform = platformOf(req.headers.get("user-agent"));
  const result = await enroll(token, platform === "android" ? "other" : "ios", clientIpFrom(req.headers));
  if (!result.ok) {
    // The page explains why, in words (used, expired or unknown).
    return Response.redirect(
      publicUrl(`/enroll/${encodeURIComponent(token)}?as=settings&failed=${result.reason}`),
      303,
    );
  }
  const body = mobileconfig({
    address: result.mailbox.address,
    displayName: result.mailbox.displayName,
    password: result.password,
    deviceName: result.device.name,
    organization: result.tenant.name,
    settings: mailSettings(),
  });
  return new Response(body, {
    headers: {
      "content-type": "application/x-apple-aspen-config",
      "content-disposition": `attachment; filename="${profileFilename(result.mailbox.address)}"`,
      "cache-control": "no-store",
    },
  });
}
