import { findInvitation } from "@postern/db/provisioning";
import type { Metadata } from "next";
import { InviteForm } from "@/components/forms/account-forms";
import { provisioningContext } from "@/lib/server/context";
import { currentUser } from "@/lib/server/session";

export const metadata: Metadata = { title: "Join a workspace" };
export const dynamic = "force-dynamic";

export default async function InvitePage(props: { params: Promise<{ token: string }> }) {
  const { token } = await props.params;
  const inv = await findInvitation(await provisioningContext("system"), token);
  if (!inv)
    return (
      <>
        <h1 className="text-xl font-bold text-ink">This invitation no longer works</h1>
        <p role="alert" className="mt-2 text-sm text-slate-700">
          It has expired, was already accepted, or was withdrawn. Ask whoever invited you for a new one.
        </p>
      </>
    );
  const user = await currentUser();
  return (
    <>
      <h1 className="text-xl font-bold text-ink">Join {inv.tenant.name} on Postern</h1>
      <p className="mt-1 mb-6 text-sm text-slate-600">
        You are invited as {inv.role === "admin" ? "an admin" : "the holder of a mailbox's phone"}, with {inv.email}.
      </p>
      <InviteForm token={token} hasAccount={inv.hasAccount} signedInAs={user?.email ?? null} email={inv.email} />
    </>
  );
}
