// After sign-in: the workspace, or a choice when the person has several.
import Link from "next/link";
import { redirect } from "next/navigation";
import { db } from "@/lib/db";
import { requireUser } from "@/lib/server/session";

export const dynamic = "force-dynamic";

export default async function Workspaces() {
  const user = await requireUser("/t");
  const ms = await db().membership.findMany({
    where: { userId: user.id },
    include: { tenant: { select: { slug: true, name: true } } },
    orderBy: { createdAt: "asc" },
  });
  if (ms.length === 1) redirect(ms[0].role === "user" ? `/t/${ms[0].tenant.slug}/my` : `/t/${ms[0].tenant.slug}`);
  return (
    <main id="main" className="mx-auto max-w-lg px-4 py-16">
      <h1 className="text-2xl font-bold text-ink">Choose a workspace</h1>
      {ms.length === 0 ? (
        <p className="mt-4 text-sm text-slate-600">
          {user.email} is not a member of any workspace yet. Ask for an invitation, or{" "}
          <Link href="/signup" className="font-medium text-brand-600 hover:underline">
            create one
          </Link>
          .
        </p>
      ) : (
        <ul className="mt-6 space-y-2">
          {ms.map((m) => (
            <li key={m.tenant.slug}>
              <Link
                href={m.role === "user" ? `/t/${m.tenant.slug}/my` : `/t/${m.tenant.slug}`}
                className="block rounded-xl border border-slate-200 bg-white px-5 py-4 font-medium shadow-sm hover:border-brand-300 focus-visible:outline-2 focus-visible:outline-brand-600"
              >
                {m.tenant.name} <span className="text-sm font-normal text-slate-500">· {m.role}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
