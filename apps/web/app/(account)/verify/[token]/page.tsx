import type { Metadata } from "next";
import Link from "next/link";
import { confirmEmail } from "@/lib/server/account";

export const metadata: Metadata = { title: "Confirm your email" };
export const dynamic = "force-dynamic";

export default async function VerifyPage(props: { params: Promise<{ token: string }> }) {
  const { token } = await props.params;
  const r = await confirmEmail(token);
  return (
    <>
      <h1 className="text-xl font-bold text-ink">{r.ok ? "Email confirmed" : "This link no longer works"}</h1>
      <p className="mt-2 text-sm text-slate-700" role={r.ok ? "status" : "alert"}>
        {r.ok ? `Thanks — ${r.email} is confirmed.` : r.error}
      </p>
      <Link href="/t" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:underline">
        Go to your workspace
      </Link>
    </>
  );
}
