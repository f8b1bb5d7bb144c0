// Links into the portal (enrollment, invitations) that the CLI prints. They
// must be the links the portal itself would show, so the base is the one the
// portal builds its links from (apps/web/lib/server/request.ts publicUrl):
// NEXTAUTH_URL, which `pnpm start` sets to http://localhost:$WEB_PORT when
// it is not given (scripts/start.ts) — the default this falls back to.

/** The portal's public URL with `path`. */
export function portalUrl(path = ""): string {
  const base = (process.env.NEXTAUTH_URL || `http://localhost:${process.env.WEB_PORT || 3000}`).replace(/\/$/, "");
  return `${base}${path}`;
}

/** Whether the URL came from configuration, or is the guess for a portal on this machine. */
export const portalUrlConfigured = (): boolean => Boolean(process.env.NEXTAUTH_URL);
