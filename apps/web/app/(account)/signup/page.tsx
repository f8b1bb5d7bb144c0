import type { Metadata } from "next";
import Link from "next/link";
import { SignupForm } from "@/components/forms/account-forms";

export const metadata: Metadata = { title: "Create your workspace" };

export default function SignupPage() {
  return (
    <>
      <h1 className="text-xl font-bold text-ink">Put your business mail on every phone</h1>
      <p className="mt-1 mb-6 text-sm text-slate-600">
        Create a workspace for your business. You can link your mail system and add phones right after.
      </p>
      <SignupForm />
      <p className="mt-6 text-center text-sm text-slate-600">
        Already have an account?{" "}
        <Link href="/login" className="font-medium text-brand-600 hover:underline">
          Sign in
        </Link>
      </p>
    </>
  );
}
