"use client";
// The workspace navigation: a sidebar on wide screens, a menu button on phones.
import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { useEffect, useState } from "react";
import { Icon } from "../icons.tsx";

export interface NavItem {
  href: string;
  label: string;
  icon: string;
}

function Items(props: { items: NavItem[]; onNavigate?: () => void }) {
  const path = usePathname();
  return (
    <ul className="space-y-1">
      {props.items.map((item, i) => {
        // The first item (overview) is active only on its own page.
        const active = i === 0 ? path === item.href : path === item.href || path.startsWith(`${item.href}/`);
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              onClick={props.onNavigate}
              aria-current={active ? "page" : undefined}
              className={`flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-brand-600 ${
                active ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-ink"
              }`}
            >
              <Icon name={item.icon} className="h-5 w-5 shrink-0" />
              {item.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

function Account(props: { email: string; tenants: Array<{ slug: string; name: string }>; current: string }) {
  return (
    <div className="space-y-3 border-t border-slate-200 pt-4">
      {props.tenants.length > 1 && (
        <div>
          <p className="px-3 text-xs font-semibold uppercase tracking-wide text-slate-400">Workspaces</p>
          <ul className="mt-1 space-y-0.5">
            {props.tenants.map((t) => (
              <li key={t.slug}>
                <Link
                  href={`/t/${t.slug}`}
                  aria-current={t.slug === props.current ? "true" : undefined}
                  className="block truncate rounded-lg px-3 py-1.5 text-sm text-slate-600 hover:bg-slate-100 aria-[current=true]:font-semibold aria-[current=true]:text-ink"
                >
                  {t.name}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      )}
      <p className="truncate px-3 text-xs text-slate-500" title={props.email}>
        Signed in as <span className="font-medium text-slate-700">{props.email}</span>
      </p>
      <button
        type="button"
        onClick={() => signOut({ callbackUrl: "/login" })}
        className="w-full rounded-lg px-3 py-2 text-left text-sm font-medium text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-brand-600"
      >
        Sign out
      </button>
    </div>
  );
}

export function WorkspaceNav(props: {
  tenantName: string;
  slug: string;
  items: NavItem[];
  email: string;
  tenants: Array<{ slug: string; name: string }>;
}) {
  const [open, setOpen] = useState(false);
  const path = usePathname();
  // Close the phone menu when the page changes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation
  useEffect(() => setOpen(false), [path]);
  const brand = (
    <Link
      href={`/t/${props.slug}`}
      className="flex items-center gap-2 rounded focus-visible:outline-2 focus-visible:outline-brand-600"
    >
      <span
        aria-hidden
        className="flex h-8 w-8 items-center justify-center rounded-lg bg-brand-600 text-sm font-bold text-white"
      >
        P
      </span>
      <span className="min-w-0">
        <span className="block text-sm font-bold text-ink">Postern</span>
        <span className="block truncate text-xs text-slate-500">{props.tenantName}</span>
      </span>
    </Link>
  );
  return (
    <>
      <aside
        className="sticky top-0 hidden h-screen w-64 shrink-0 flex-col overflow-y-auto border-r border-slate-200 bg-white px-4 py-5 lg:flex"
        aria-label="Workspace"
      >
        <div className="mb-6 px-1">{brand}</div>
        <nav aria-label="Main" className="flex-1">
          <Items items={props.items} />
        </nav>
        <Account email={props.email} tenants={props.tenants} current={props.slug} />
      </aside>
      <div className="sticky top-0 z-20 flex items-center justify-between border-b border-slate-200 bg-white/95 px-4 py-3 backdrop-blur lg:hidden">
        {brand}
        <button
          type="button"
          aria-expanded={open}
          aria-controls="mobile-nav"
          onClick={() => setOpen((o) => !o)}
          className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 focus-visible:outline-2 focus-visible:outline-brand-600"
        >
          {open ? "Close" : "Menu"}
        </button>
      </div>
      {open && (
        <div id="mobile-nav" className="border-b border-slate-200 bg-white px-4 py-4 shadow-sm lg:hidden">
          <nav aria-label="Main">
            <Items items={props.items} onNavigate={() => setOpen(false)} />
          </nav>
          <div className="mt-4">
            <Account email={props.email} tenants={props.tenants} current={props.slug} />
          </div>
        </div>
      )}
    </>
  );
}
