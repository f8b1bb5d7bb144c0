"use client";
// The result of "Test connection", as an admin reads it.
import type { TestReport } from "@/lib/server/connection-test/report";

export function TestReports(props: { reports: TestReport[] }) {
  return (
    <div className="space-y-4" aria-live="polite">
      {props.reports.map((r) =>
        r.ok ? (
          <section
            key={r.title}
            className="rounded-xl border border-emerald-200 bg-emerald-50/60 p-4"
            aria-label={r.title}
          >
            <h3 className="flex items-center gap-2 font-semibold text-emerald-800">
              <span aria-hidden>✓</span> {r.title}
            </h3>
            <p className="mt-1 text-sm text-emerald-900">{r.summary}</p>
            {r.roundTrip && (
              <div className="mt-3 overflow-x-auto">
                <table className="min-w-full text-sm">
                  <caption className="sr-only">What round-trips between phones and this server</caption>
                  <thead>
                    <tr className="text-left text-xs uppercase tracking-wide text-emerald-700">
                      <th scope="col" className="py-1 pr-4">
                        Change
                      </th>
                      <th scope="col" className="py-1">
                        How it travels
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.roundTrip.map((t) => (
                      <tr key={t.change} className="border-t border-emerald-100">
                        <th scope="row" className="py-1.5 pr-4 text-left font-medium whitespace-nowrap text-ink">
                          <span aria-hidden className="mr-1 text-emerald-600">
                            {t.works ? "✓" : "✗"}
                          </span>
                          {t.change}
                        </th>
                        <td className="py-1.5 text-slate-700">{t.how}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {r.push && <p className="mt-3 text-sm text-slate-800">{r.push.words}</p>}
            {r.lacks && r.lacks.length > 0 && (
              <div className="mt-3">
                <p className="text-sm font-medium text-amber-800">What this server lacks</p>
                <ul className="mt-1 list-disc space-y-0.5 pl-5 text-sm text-amber-900">
                  {r.lacks.map((l) => (
                    <li key={l}>{l}</li>
                  ))}
                </ul>
              </div>
            )}
            {r.lacks && r.lacks.length === 0 && (
              <p className="mt-3 text-sm text-emerald-800">
                Nothing missing: this server has every extension Postern uses.
              </p>
            )}
            {r.folders && (
              <p className="mt-3 text-xs text-slate-600">
                Folders: {r.folders.sample.join(", ")}
                {r.folders.count > r.folders.sample.length
                  ? ` and ${r.folders.count - r.folders.sample.length} more`
                  : ""}
              </p>
            )}
            {r.notes?.map((n) => (
              <p key={n} className="mt-2 text-xs text-slate-600">
                {n}
              </p>
            ))}
          </section>
        ) : (
          <section
            key={r.title}
            role="alert"
            className="rounded-xl border border-red-200 bg-red-50 p-4"
            aria-label={r.title}
          >
            <h3 className="font-semibold text-red-800">{r.title}</h3>
            <p className="mt-1 text-sm text-red-900">{r.problem}</p>
            {r.fix && <p className="mt-1 text-sm text-red-800">{r.fix}</p>}
          </section>
        ),
      )}
    </div>
  );
}
