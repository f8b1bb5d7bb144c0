import { db } from "@/lib/db";

// Rendered per request: the counts come from the live database.
export const dynamic = "force-dynamic";

async function stats() {
  try {
    const [tenants, mailboxes, devices] = await Promise.all([
      db().tenant.count(),
      db().mailbox.count(),
      db().device.count({ where: { revokedAt: null } }),
    ]);
    return { ok: true as const, tenants, mailboxes, devices };
  } catch {
    return { ok: false as const };
  }
}

export default async function Home() {
  const s = await stats();
  return (
    <main className="mx-auto flex min-h-screen max-w-3xl flex-col justify-center px-6 py-16">
      <p className="text-sm font-semibold uppercase tracking-widest text-brand-600">Postern</p>
      <h1 className="mt-3 text-4xl font-bold tracking-tight sm:text-5xl">Your business mail, on every phone.</h1>
      <p className="mt-5 text-lg text-slate-600">
        Postern speaks standard IMAP and SMTP to phones and translates to the mail system you already run — POP3, IMAP
        or Microsoft Exchange. New, read, deleted and filed travel both ways within seconds.
      </p>
      <section aria-label="Service status" className="mt-10 grid grid-cols-3 gap-4">
        {s.ok ? (
          [
            ["Tenants", s.tenants],
            ["Mailboxes", s.mailboxes],
            ["Active devices", s.devices],
          ].map(([label, value]) => (
            <div key={label} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
              <div className="text-2xl font-semibold">{value}</div>
              <div className="text-sm text-slate-500">{label}</div>
            </div>
          ))
        ) : (
          <p role="alert" className="col-span-3 rounded-lg bg-red-50 p-4 text-red-800">
            The database is not reachable right now.
          </p>
        )}
      </section>
    </main>
  );
}
