// A setup link opened on a phone that is not an iPhone (iOS gets a
// configuration profile: next.config.ts): spends the link and shows the
// settings with the new app password, once. A Mac (or an iPad in desktop
// mode, which says "Macintosh") chooses first, so the link is not spent on
// the wrong thing.
import type { Metadata } from "next";
import { headers } from "next/headers";
import { ManualSettings } from "@/components/forms/device-forms";
import { mailSettings } from "@/lib/onboarding/settings";
import { enroll, platformOf } from "@/lib/server/onboarding";
import { clientIpFrom } from "@/lib/server/request";

export const metadata: Metadata = { title: "Set up mail on this phone", robots: { index: false } };
export const dynamic = "force-dynamic";

const REASONS = {
  used: {
    title: "This setup link was already used",
    text: "Each link works once, so a password is never issued twice. Ask for a new QR code.",
  },
  expired: { title: "This setup link has expired", text: "Setup links work for 15 minutes. Ask for a new QR code." },
  unknown: {
    title: "This setup link is not valid",
    text: "Check that the whole link was copied, or ask for a new QR code.",
  },
};

function Shell(props: { children: React.ReactNode }) {
  return (
    <main id="main" className="mx-auto max-w-lg px-4 py-10">
      <p className="mb-6 flex items-center gap-2 text-sm font-bold text-ink">
        <span
          aria-hidden
          className="flex h-7 w-7 items-center justify-center rounded-lg bg-brand-600 text-xs text-white"
        >
          P
        </span>
        Postern
      </p>
      <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">{props.children}</div>
    </main>
  );
}

export default async function EnrollPage(props: {
  params: Promise<{ token: string }>;
  searchParams: Promise<{ as?: string }>;
}) {
  const { token } = await props.params;
  const { as } = await props.searchParams;
  const h = await headers();
  const ua = h.get("user-agent");
  if (!as && /Macintosh/.test(ua ?? "")) {
    return (
      <Shell>
        <h1 className="text-xl font-bold text-ink">Set up mail on this device</h1>
        <p className="mt-2 text-sm text-slate-600">This link works once. Choose how to set up:</p>
        <div className="mt-6 flex flex-col gap-3">
          <a
            href={`/enroll/${encodeURIComponent(token)}?as=profile`}
            className="rounded-lg bg-brand-600 px-4 py-3 text-center text-sm font-semibold text-white hover:bg-brand-700"
          >
            Install a profile (iPad, Mac)
          </a>
          <a
            href={`/enroll/${encodeURIComponent(token)}?as=settings`}
            className="rounded-lg border border-slate-300 px-4 py-3 text-center text-sm font-semibold text-slate-700 hover:bg-slate-50"
          >
            Show the settings to enter by hand
          </a>
        </div>
      </Shell>
    );
  }
  const platform = platformOf(ua);
  const r = await enroll(token, platform, clientIpFrom(h));
  if (!r.ok)
    return (
      <Shell>
        <h1 className="text-xl font-bold text-ink" data-testid="enroll-refused">
          {REASONS[r.reason].title}
        </h1>
        <p role="alert" className="mt-2 text-sm text-slate-600">
          {REASONS[r.reason].text}
        </p>
      </Shell>
    );
  const s = mailSettings();
  const autoconfig = `/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(r.mailbox.address)}`;
  return (
    <Shell>
      <h1 className="text-xl font-bold text-ink">Your mail settings</h1>
      <p className="mt-1 text-sm text-slate-600">
        For {r.mailbox.address} ({r.tenant.name}) on “{r.device.name}”. Add an account in your mail app (Gmail, Outlook,
        K-9 / Thunderbird, Samsung Email…) and choose IMAP.
      </p>
      <div role="alert" className="mt-4 rounded-lg border border-amber-200 bg-amber-50 p-4">
        <p className="text-sm font-medium text-amber-900">Your password for this phone — shown only now:</p>
        <p
          className="mt-2 font-mono text-2xl font-semibold tracking-wider text-ink select-all"
          data-testid="app-password"
        >
          {r.password}
        </p>
      </div>
      <div className="mt-5">
        <ManualSettings address={r.mailbox.address} s={s} />
      </div>
      <p className="mt-5 text-xs text-slate-500">
        Apps that read automatic settings (Thunderbird, K-9 Mail) find them at{" "}
        <a className="text-brand-600 underline" href={autoconfig}>
          autoconfig
        </a>
        : enter the address and this password.
      </p>
    </Shell>
  );
}
