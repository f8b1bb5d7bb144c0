// Changing a mailbox (portal and admin CLI): its backend login and password
// (write-only), its display name, the other addresses it may send as. A
// changed password is announced with `mailbox.changed`, so the gateway that
// syncs it reconnects with the new one; aliases are read at every login.
import { audit } from "./audit.ts";
import type { ProvisioningContext } from "./context.ts";
import { invalid, notFound } from "./errors.ts";
import { claimDomains, mailboxSecretContext, notify } from "./mailboxes.ts";
import { normalizeAddress } from "./validate.ts";

export interface UpdateMailboxInput {
  tenantId: string;
  id: string;
  displayName?: string | null;
  login?: string | null;
  /** A new backend password; undefined or "" keeps the stored one. */
  password?: string;
  /** Every other address it may send as (replaces the list); undefined keeps them. */
  aliases?: string[];
}

export async function updateMailbox(ctx: ProvisioningContext, input: UpdateMailboxInput) {
  const m = await ctx.prisma.mailbox.findFirst({ where: { id: input.id, tenantId: input.tenantId } });
  if (!m) throw notFound("No such mailbox in this workspace");
  if (input.password !== undefined && input.password.length > 1000)
    throw invalid("That password is too long", "password");
  const secretChanged = Boolean(input.password);
  const loginChanged = input.login !== undefined && (input.login?.trim() || null) !== m.login;
  const aliases =
    input.aliases === undefined
      ? undefined
      : [...new Set(input.aliases.map((a) => normalizeAddress(a, "aliases")))].filter((a) => a !== m.address);
  return ctx.prisma.$transaction(async (tx) => {
    if (aliases) await claimDomains(tx, input.tenantId, aliases, "aliases");
    const updated = await tx.mailbox.update({
      where: { id: m.id },
      data: {
        displayName: input.displayName === undefined ? undefined : input.displayName?.trim() || null,
        login: input.login === undefined ? undefined : input.login?.trim() || null,
        aliases,
        secretCipher: secretChanged ? ctx.keyring.encrypt(input.password!, mailboxSecretContext(m.id)) : undefined,
        // A new password deserves a new try now, not at the next 5-minute retry.
        ...(secretChanged || loginChanged ? { syncState: "syncing" as const, lastError: null } : {}),
      },
    });
    await audit(ctx, tx, {
      tenantId: input.tenantId,
      action: secretChanged ? "mailbox.password_change" : "mailbox.update",
      target: m.address,
      data: { loginChanged, displayNameChanged: input.displayName !== undefined, ...(aliases ? { aliases } : {}) },
    });
    if (secretChanged || loginChanged) await notify(tx, { type: "mailbox.changed", mailboxId: m.id });
    return updated;
  });
}
