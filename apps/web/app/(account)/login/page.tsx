import type { Metadata } from "next";
import Link from "next/link";
import { LoginForm } from "@/components/forms/account-forms";

export const metadata: Metadata = { title: "Sign in" };

const NOTICES: Record<string, string> = {
  reset: "Your password was changed. Sign in with the new one.",
  created: "Your workspace is ready. Sign in to continue.",
};

export default async function LoginPage(props: {
  searchParams: Promise<{ next?: string; notice?: string; error?: string }>;
}) {
  const sp = await props.searchParams;
  return (
    <>
      <h1 className="text-xl font-bold text-ink">Sign in to Postern</h1>
      <p className="mt-1 mb-6 text-sm text-slate-600">Manage your mail systems, mailboxes and phones.</p>
      <LoginForm next={sp.next} notice={sp.notice ? NOTICES[sp.notice] : undefined} />
      <p className="mt-6 text-center text-sm text-slate-600">
        New to Postern?{" "}
        <Link href="/signup" className="font-medium text-brand-600 hover:underline">
          Create a workspace
        </Link>
      </p>
    </>
  );
}
