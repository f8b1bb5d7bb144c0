import type { Metadata } from "next";
import Link from "next/link";
import { ForgotForm } from "@/components/forms/account-forms";

export const metadata: Metadata = { title: "Reset your password" };

export default function ForgotPage() {
  return (
    <>
      <h1 className="text-xl font-bold text-ink">Reset your password</h1>
      <p className="mt-1 mb-6 text-sm text-slate-600">We will mail you a link to choose a new one.</p>
      <ForgotForm />
      <p className="mt-6 text-center text-sm">
        <Link href="/login" className="font-medium text-brand-600 hover:underline">
          Back to sign in
        </Link>
      </p>
    </>
  );
}
