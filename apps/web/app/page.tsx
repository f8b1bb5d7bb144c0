import Link from "next/link";
import { Icon } from "@/components/icons";
import { buttonClass } from "@/components/ui";

const FEATURES = [
  {
    icon: "plug",
    title: "Keeps the mail system you have",
    text: "POP3, IMAP, Microsoft 365 or Exchange. Nothing moves; Postern syncs.",
  },
  {
    icon: "sync",
    title: "Both ways, within seconds",
    text: "New, read, deleted and filed travel between phones and your server.",
  },
  {
    icon: "phone",
    title: "One QR code per phone",
    text: "Scan it: iPhones install a profile, Android shows the settings. No passwords to type out.",
  },
  {
    icon: "shield",
    title: "A password per phone",
    text: "Lose a phone, revoke it: its sessions end at once. Your server password never reaches a phone.",
  },
];

export default function Home() {
  return (
    <div className="min-h-screen bg-gradient-to-b from-brand-50 via-white to-slate-50">
      <header className="mx-auto flex max-w-5xl items-center justify-between px-6 py-5">
        <span className="flex items-center gap-2 text-base font-bold text-ink">
          <span
            aria-hidden
            className="flex h-8 w-8 items-center justify-center rounded-lg bg-brand-600 text-sm text-white"
          >
            P
          </span>
          Postern
        </span>
        <nav aria-label="Account" className="flex items-center gap-3">
          <Link
            href="/login"
            className="rounded px-2 py-1 text-sm font-medium text-slate-700 hover:text-ink focus-visible:outline-2 focus-visible:outline-brand-600"
          >
            Sign in
          </Link>
          <Link href="/signup" className={buttonClass.primary}>
            Start free
          </Link>
        </nav>
      </header>
      <main id="main" className="mx-auto max-w-5xl px-6 pt-10 pb-20 sm:pt-20">
        <p className="text-sm font-semibold uppercase tracking-widest text-brand-600">Mobile mail gateway</p>
        <h1 className="mt-3 max-w-3xl text-4xl font-bold tracking-tight text-ink sm:text-5xl">
          Your business mail, on every phone.
        </h1>
        <p className="mt-5 max-w-2xl text-lg text-slate-600">
          Postern speaks standard IMAP and SMTP to phones and translates to the mail system you already run — POP3, IMAP
          or Microsoft Exchange. New, read, deleted and filed travel both ways within seconds.
        </p>
        <div className="mt-8 flex flex-wrap gap-3">
          <Link href="/signup" className={`${buttonClass.primary} px-6 py-3 text-base`}>
            Create your workspace
          </Link>
          <Link href="/login" className={`${buttonClass.secondary} px-6 py-3 text-base`}>
            Sign in
          </Link>
        </div>
        <section aria-label="What Postern does" className="mt-16 grid gap-4 sm:grid-cols-2">
          {FEATURES.map((f) => (
            <div key={f.title} className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
              <div className="flex h-10 w-10 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
                <Icon name={f.icon} />
              </div>
              <h2 className="mt-2 font-semibold text-ink">{f.title}</h2>
              <p className="mt-1 text-sm text-slate-600">{f.text}</p>
            </div>
          ))}
        </section>
      </main>
    </div>
  );
}
