// Every workspace page: membership checked on the server before anything
// renders (pages check their own role too), then the navigation for the role.
import { notFound, redirect } from "next/navigation";
import { type NavItem, WorkspaceNav } from "@/components/shell/nav";
import { db } from "@/lib/db";
import { currentUser, tenantAccess } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export default async function WorkspaceLayout(props: { children: React.ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = await props.params;
  const user = await currentUser();
  if (!user) redirect(`/login?next=${encodeURIComponent(`/t/${slug}`)}`);
  const access = await tenantAccess(slug);
  if (!access) notFound();
  const memberships = await db().membership.findMany({
    where: { userId: user.id },
    select: { tenant: { select: { slug: true, name: true } } },
    orderBy: { createdAt: "asc" },
  });
  const base = `/t/${slug}`;
  const items: NavItem[] =
    access.role === "user"
      ? [{ href: `${base}/my`, label: "My phone", icon: "phone" }]
      : [
          { href: base, label: "Overview", icon: "home" },
          { href: `${base}/mailboxes`, label: "Mailboxes", icon: "mail" },
          { href: `${base}/devices`, label: "Devices", icon: "phone" },
          { href: `${base}/backends`, label: "Mail systems", icon: "plug" },
          { href: `${base}/team`, label: "Team", icon: "users" },
          { href: `${base}/audit`, label: "Audit log", icon: "list" },
        ];
  return (
    <div className="min-h-screen lg:flex">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <WorkspaceNav
        tenantName={access.tenant.name}
        slug={slug}
        items={items}
        email={user.email}
        tenants={memberships.map((m) => m.tenant)}
      />
      <main id="main" className="min-w-0 flex-1 px-4 py-6 sm:px-6 lg:px-10 lg:py-8">
        <div className="mx-auto max-w-6xl">{props.children}</div>
      </main>
    </div>
  );
}
