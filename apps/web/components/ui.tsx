// The portal's building blocks, Tailwind only. Server components: no state.
import Link from "next/link";
import type { ReactNode } from "react";
import { Icon } from "./icons.tsx";

export const focusRing =
  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 focus:outline-none";

export const buttonClass = {
  primary: `inline-flex items-center justify-center gap-2 rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 disabled:cursor-not-allowed disabled:opacity-60 ${focusRing}`,
  secondary: `inline-flex items-center justify-center gap-2 rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm font-semibold text-slate-700 shadow-sm hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-60 ${focusRing}`,
  danger: `inline-flex items-center justify-center gap-2 rounded-lg border border-red-200 bg-white px-3 py-1.5 text-sm font-semibold text-red-700 hover:bg-red-50 disabled:opacity-60 ${focusRing}`,
  link: `font-medium text-brand-600 underline-offset-2 hover:underline ${focusRing} rounded`,
};

export const inputClass =
  "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-ink shadow-sm placeholder:text-slate-400 focus:border-brand-500 focus:ring-2 focus:ring-brand-500/30 focus:outline-none aria-[invalid=true]:border-red-400";

export function PageHeader(props: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  back?: { href: string; label: string };
}) {
  return (
    <header className="mb-6 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
      <div className="min-w-0">
        {props.back && (
          <Link
            href={props.back.href}
            className={`mb-2 inline-block text-sm text-slate-500 hover:text-slate-800 ${focusRing} rounded`}
          >
            ← {props.back.label}
          </Link>
        )}
        <h1 className="truncate text-2xl font-bold tracking-tight text-ink">{props.title}</h1>
        {props.description && <p className="mt-1 max-w-2xl text-sm text-slate-600">{props.description}</p>}
      </div>
      {props.actions && <div className="flex shrink-0 flex-wrap gap-2">{props.actions}</div>}
    </header>
  );
}

export function Card(props: {
  title?: string;
  description?: ReactNode;
  children: ReactNode;
  className?: string;
  id?: string;
}) {
  return (
    <section
      id={props.id}
      className={`rounded-xl border border-slate-200 bg-white shadow-sm ${props.className ?? ""}`}
      aria-label={props.title}
    >
      {props.title && (
        <div className="border-b border-slate-100 px-5 py-4">
          <h2 className="text-base font-semibold text-ink">{props.title}</h2>
          {props.description && <p className="mt-0.5 text-sm text-slate-500">{props.description}</p>}
        </div>
      )}
      <div className="px-5 py-4">{props.children}</div>
    </section>
  );
}

export function EmptyState(props: { title: string; children?: ReactNode; action?: ReactNode; icon?: string }) {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center">
      <div aria-hidden className="mx-auto mb-3 flex h-12 w-12 items-center justify-center rounded-full bg-brand-50">
        <Icon name={props.icon ?? "mail"} className="h-6 w-6 text-brand-600" />
      </div>
      <h2 className="text-base font-semibold text-ink">{props.title}</h2>
      {props.children && <div className="mx-auto mt-1 max-w-md text-sm text-slate-600">{props.children}</div>}
      {props.action && <div className="mt-5 flex justify-center">{props.action}</div>}
    </div>
  );
}

const TONES = {
  good: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  info: "bg-sky-50 text-sky-700 ring-sky-600/20",
  warn: "bg-amber-50 text-amber-800 ring-amber-600/20",
  bad: "bg-red-50 text-red-700 ring-red-600/20",
  neutral: "bg-slate-100 text-slate-700 ring-slate-500/20",
};
export type Tone = keyof typeof TONES;

export function Badge(props: { tone?: Tone; children: ReactNode }) {
  return (
    <span
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[props.tone ?? "neutral"]}`}
    >
      {props.children}
    </span>
  );
}

export function Alert(props: { tone?: "bad" | "good" | "info" | "warn"; title?: string; children: ReactNode }) {
  const tone = props.tone ?? "info";
  const cls = {
    bad: "border-red-200 bg-red-50 text-red-800",
    good: "border-emerald-200 bg-emerald-50 text-emerald-800",
    info: "border-sky-200 bg-sky-50 text-sky-900",
    warn: "border-amber-200 bg-amber-50 text-amber-900",
  }[tone];
  return (
    <div role={tone === "bad" ? "alert" : "status"} className={`rounded-lg border px-4 py-3 text-sm ${cls}`}>
      {props.title && <p className="font-semibold">{props.title}</p>}
      <div className={props.title ? "mt-1" : ""}>{props.children}</div>
    </div>
  );
}

export function Stat(props: { label: string; value: ReactNode; href?: string; hint?: string }) {
  const body = (
    <>
      <div className="text-2xl font-semibold text-ink">{props.value}</div>
      <div className="text-sm text-slate-500">{props.label}</div>
      {props.hint && <div className="mt-1 text-xs text-slate-400">{props.hint}</div>}
    </>
  );
  const cls = "block rounded-xl border border-slate-200 bg-white p-4 shadow-sm";
  return props.href ? (
    <Link href={props.href} className={`${cls} hover:border-brand-300 ${focusRing}`}>
      {body}
    </Link>
  ) : (
    <div className={cls}>{body}</div>
  );
}

/** A column shown from tablet width up; its cells take `wide` in their class too. */
export interface WideColumn {
  label: string;
  wide: true;
}

/** Classes of a cell in a WideColumn: hidden on a phone, where the table would otherwise scroll sideways. */
export const wide = "hidden md:table-cell";

export function Table(props: { caption: string; head: Array<string | WideColumn>; children: ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">{props.caption}</caption>
        <thead className="bg-slate-50">
          <tr>
            {props.head.map((h, i) => (
              <th
                key={typeof h === "string" ? `${i}:${h}` : h.label}
                scope="col"
                className={`whitespace-nowrap px-4 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 ${typeof h === "string" ? "" : wide}`}
              >
                {typeof h === "string" ? h : h.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{props.children}</tbody>
      </table>
    </div>
  );
}

export const td = "px-4 py-3 align-top text-slate-700";

export function Pagination(props: { page: number; pageSize: number; total: number; href: (page: number) => string }) {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  if (pages <= 1) return null;
  const from = (props.page - 1) * props.pageSize + 1;
  const to = Math.min(props.total, props.page * props.pageSize);
  return (
    <nav aria-label="Pagination" className="mt-4 flex items-center justify-between text-sm text-slate-600">
      <p>
        {from}–{to} of {props.total.toLocaleString("en")}
      </p>
      <div className="flex gap-2">
        {props.page > 1 ? (
          <Link className={buttonClass.secondary} href={props.href(props.page - 1)} rel="prev">
            Previous
          </Link>
        ) : null}
        {props.page < pages ? (
          <Link className={buttonClass.secondary} href={props.href(props.page + 1)} rel="next">
            Next
          </Link>
        ) : null}
      </div>
    </nav>
  );
}

export function SearchBox(props: { action: string; q?: string; label: string; placeholder: string }) {
  return (
    <search className="mb-4">
      <form action={props.action} method="get" className="flex max-w-md gap-2">
        <label htmlFor="q" className="sr-only">
          {props.label}
        </label>
        <input
          id="q"
          name="q"
          defaultValue={props.q}
          placeholder={props.placeholder}
          className={inputClass}
          type="search"
        />
        <button type="submit" className={buttonClass.secondary}>
          Search
        </button>
      </form>
    </search>
  );
}

export function timeAgo(d: Date | null | undefined, now = Date.now()): string {
  if (!d) return "never";
  const s = Math.round((now - d.getTime()) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 30 * 86400) return `${Math.round(s / 86400)} d ago`;
  return d.toISOString().slice(0, 10);
}

export function dateTime(d: Date): string {
  return d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}
