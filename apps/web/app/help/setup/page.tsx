import type { Metadata } from "next";
import { ManualSettings } from "@/components/forms/device-forms";
import { mailSettings } from "@/lib/onboarding/settings";

export const metadata: Metadata = { title: "Setting up a phone" };
export const dynamic = "force-dynamic";

export default function SetupHelp() {
  return (
    <main id="main" className="mx-auto max-w-2xl px-4 py-12">
      <h1 className="text-2xl font-bold text-ink">Setting up mail on a phone</h1>
      <p className="mt-2 text-slate-600">
        The easiest way is the QR code your administrator shows you in Postern: scan it with the phone's camera. To set
        up by hand, use these settings with your email address and the app password issued for the phone — not your
        usual mail password.
      </p>
      <div className="mt-6 rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
        <ManualSettings address="your email address" s={mailSettings()} />
      </div>
    </main>
  );
}
