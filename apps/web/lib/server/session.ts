// Who is asking, composed once for every page, action and API route: the
// signed-in user (from the next-auth session, re-read from the database),
// their membership of the tenant named in the URL, and their role. A tenant
// id or slug from the client is never used without this check.
import "server-only";
import type { ProvisioningContext } from "@postern/db/provisioning";
import { notFound, redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { cache } from "react";
import { authOptions } from "@/lib/auth/options";
import { db } from "@/lib/db";
import { provisioningContext } from "./context.ts";
import { clientIp } from "./request.ts";

export type Role = "owner" | "admin" | "user";
export const ADMINS: readonly Role[] = ["owner", "admin"];
export const OWNERS: readonly Role[] = ["owner"];
export const EVERYONE: readonly Role[] = ["owner", "admin", "user"];

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
}

export interface TenantAccess {
  user: SessionUser;
  tenant: { id: string; slug: string; name: string };
  role: Role;
  /** For role `user`: the one mailbox they may act on. */
  mailboxId: string | null;
  ctx: ProvisioningContext;
}

export const currentUser = cache(async (): Promise<SessionUser | null> => {
  const session = await getServerSession(authOptions);
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  // The account may have been deleted since the token was signed.
  return db().user.findUnique({ where: { id }, select: { id: true, email: true, name: true } });
});

/** The signed-in user's access to tenant `slug`, or null (not signed in, or not a member). */
export const tenantAccess = cache(async (slug: string): Promise<TenantAccess | null> => {
  if (typeof slug !== "string" || !/^[a-z0-9-]{1,48}$/.test(slug)) return null;
  const user = await currentUser();
  if (!user) return null;
  const m = await db().membership.findFirst({
    where: { userId: user.id, tenant: { slug } },
    include: { tenant: { select: { id: true, slug: true, name: true } } },
  });
  if (!m) return null;
  return {
    user,
    tenant: m.tenant,
    role: m.role,
    mailboxId: m.mailboxId,
    ctx: await provisioningContext(`user:${user.id}`, await clientIp()),
  };
});

/** For pages: sign in first; a tenant the user is not in (or a role too low) is a 404, revealing nothing. */
export async function requireTenant(slug: string, roles: readonly Role[] = ADMINS): Promise<TenantAccess> {
  const user = await currentUser();
  if (!user) redirect(`/login?next=${encodeURIComponent(`/t/${slug}`)}`);
  const access = await tenantAccess(slug);
  if (!access || !roles.includes(access.role)) notFound();
  return access;
}

export async function requireUser(next = "/t"): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/login?next=${encodeURIComponent(next)}`);
  return user;
}
