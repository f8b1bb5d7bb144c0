import { resetTokenIsValid } from "@postern/db/provisioning";
import type { Metadata } from "next";
import Link from "next/link";
import { ResetForm } from "@/components/forms/account-forms";
import { provisioningContext } from "@/lib/server/context";

export const metadata: Metadata = { title: "Choose a new password" };
export const dynamic = "force-dynamic";

export default async function ResetPage(props: { params: Promise<{ token: string }> }) {
  const { token } = await props.params;
  const valid = await resetTokenIsValid(await provisioningContext("system"), token);
  return (
    <>
      <h1 className="text-xl font-bold text-ink">Choose a new password</h1>
      {valid ? (
        <div className="mt-6">
          <ResetForm token={token} />
        </div>
      ) : (
        <p role="alert" className="mt-4 text-sm text-slate-700">
          This reset link has expired or was already used.{" "}
          <Link href="/forgot" className="font-medium text-brand-600 hover:underline">
            Ask for a new one
          </Link>
          .
        </p>
      )}
    </>
  );
}
