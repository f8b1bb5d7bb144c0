// Changing a mailbox from the portal: its backend login and password
// (write-only), its display name. A changed password is announced with
// `mailbox.changed`, so the gateway that syncs it reconnects with the new one.
import { audit } from "./audit.ts";
import type { ProvisioningContext } from "./context.ts";
import { invalid, notFound } from "./errors.ts";
import { mailboxSecretContext, notify } from "./mailboxes.ts";

export interface UpdateMailboxInput {
  tenantId: string;
  id: string;
  displayName?: string | null;
  login?: string | null;
  /** A new backend password; undefined or "" keeps the stored one. */
  password?: string;
}

export async function updateMailbox(ctx: ProvisioningContext, input: UpdateMailboxInput) {
  const m = await ctx.prisma.mailbox.findFirst({ where: { id: input.id, tenantId: input.tenantId } });
  if (!m) throw notFound("No such mailbox in this workspace");
  if (input.password !== undefined && input.password.length > 1000)
    throw invalid("That password is too long", "password");
  const secretChanged = Boolean(input.password);
  const loginChanged = input.login !== undefined && (input.login?.trim() || null) !== m.login;
  return ctx.prisma.$transaction(async (tx) => {
    const updated = await tx.mailbox.update({
      where: { id: m.id },
      data: {
        displayName: input.displayName === undefined ? undefined : input.displayName?.trim() || null,
        login: input.login === undefined ? undefined : input.login?.trim() || null,
        secretCipher: secretChanged ? ctx.keyring.encrypt(input.password!, mailboxSecretContext(m.id)) : undefined,
        // A new password deserves a new try now, not at the next 5-minute retry.
        ...(secretChanged || loginChanged ? { syncState: "syncing" as const, lastError: null } : {}),
      },
    });
    await audit(ctx, tx, {
      tenantId: input.tenantId,
      action: secretChanged ? "mailbox.password_change" : "mailbox.update",
      target: m.address,
      data: { loginChanged, displayNameChanged: input.displayName !== undefined },
    });
    if (secretChanged || loginChanged) await notify(tx, { type: "mailbox.changed", mailboxId: m.id });
    return updated;
  });
}
