// Onboarding answers, keyed by the address's domain → tenant (TenantDomain):
// Thunderbird autoconfig, Autodiscover POX, and redeeming a setup link.
import "server-only";
import { domainOf, redeemEnrollment } from "@postern/db/provisioning";
import { db } from "@/lib/db";
import { autoconfigXml } from "@/lib/onboarding/autoconfig";
import { autodiscoverXml } from "@/lib/onboarding/autodiscover";
import { mailSettings } from "@/lib/onboarding/settings";
import { provisioningContext } from "./context.ts";
import { publicUrl } from "./request.ts";

async function tenantOfDomain(domain: string) {
  const d = domain.trim().toLowerCase().replace(/\.$/, "");
  if (!d || d.length > 253) return null;
  const row = await db().tenantDomain.findUnique({
    where: { domain: d },
    include: { tenant: { select: { name: true } } },
  });
  return row ? { domain: row.domain, organization: row.tenant.name } : null;
}

/**
 * Thunderbird autoconfig for the domain of `emailaddress`, or of the host
 * the client asked (`autoconfig.<domain>` or `<domain>`); null when no
 * tenant holds that domain.
 */
export async function autoconfigFor(input: { emailaddress?: string | null; host?: string | null }) {
  const fromAddress = input.emailaddress?.includes("@") ? domainOf(input.emailaddress) : null;
  const fromHost = input.host?.replace(/:\d+$/, "").replace(/^autoconfig\./i, "");
  const t =
    (fromAddress && (await tenantOfDomain(fromAddress))) ||
    (!fromAddress && fromHost ? await tenantOfDomain(fromHost) : null);
  if (!t) return null;
  return autoconfigXml({
    domain: t.domain,
    organization: t.organization,
    settings: mailSettings(),
    helpUrl: publicUrl("/help/setup"),
  });
}

export async function autodiscoverFor(address: string) {
  if (!address.includes("@")) return null;
  const t = await tenantOfDomain(domainOf(address));
  if (!t) return null;
  return autodiscoverXml({ address, settings: mailSettings() });
}

export function platformOf(userAgent: string | null): "ios" | "android" | "other" {
  const ua = userAgent ?? "";
  if (/\b(iPhone|iPad|iPod)\b/.test(ua)) return "ios";
  if (/\bAndroid\b/.test(ua)) return "android";
  return "other";
}

/** Spend a setup link: the device and its app password, or why not. */
export async function enroll(token: string, platform: "ios" | "android" | "other", ip: string) {
  const ctx = await provisioningContext("enrollment", ip);
  return redeemEnrollment(ctx, { token, platform });
}
