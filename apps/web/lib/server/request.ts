// Facts about the current request that the portal needs: the client's
// address (for rate limits and the audit log) and the portal's public URL.
import "server-only";
import { headers } from "next/headers";

/**
 * The client address. Next puts the socket's address last in
 * x-forwarded-for; anything before it came from the client (or a proxy) and
 * is not trusted for rate limiting.
 */
export function clientIpFrom(h: { get(name: string): string | null }): string {
  const xff = h.get("x-forwarded-for");
  const last = xff?.split(",").pop()?.trim();
  return last || h.get("x-real-ip") || "unknown";
}

export async function clientIp(): Promise<string> {
  return clientIpFrom(await headers());
}

/** The portal's public base URL (links in mail, QR codes, OAuth redirects). */
export function publicUrl(path = ""): string {
  const base = (process.env.NEXTAUTH_URL || `http://localhost:${process.env.PORT || 3000}`).replace(/\/$/, "");
  return `${base}${path}`;
}
