// Import the mailboxes of a Microsoft 365 directory, from users the portal
// has already listed with Graph (`GET /users`). A user with a `mail` address
// becomes a mailbox on the Graph backend: the address lower-cased, the
// display name, the user principal name as the login, and no password (the
// app's permission reaches every mailbox). Each user is added on its own and
// the result says what happened to every one, as the CSV import does.
import { audit } from "./audit.ts";
import type { ProvisioningContext } from "./context.ts";
import { invalid, notFound, ProvisioningError } from "./errors.ts";
import type { ImportRowResult } from "./mailbox-import.ts";
import { addMailbox } from "./mailboxes.ts";

/** One admin action should not add a whole large directory; bigger ones import by CSV in parts. */
export const MAX_M365_IMPORT_USERS = 5000;

export const tooManyM365Users = () =>
  invalid(
    `Your Microsoft 365 directory has more than ${MAX_M365_IMPORT_USERS.toLocaleString("en")} users; Postern imports at most ${MAX_M365_IMPORT_USERS.toLocaleString("en")} at a time. Import them from a CSV file in parts instead.`,
  );

/** The fields of a Graph user the import reads (`$select=id,displayName,mail,userPrincipalName`). */
export interface M365User {
  id: string;
  displayName?: string | null;
  mail?: string | null;
  userPrincipalName?: string | null;
}

export async function importM365Users(
  ctx: ProvisioningContext,
  input: { tenantId: string; backendId: string; users: M365User[] },
): Promise<ImportRowResult[]> {
  const backend = await ctx.prisma.backend.findFirst({
    where: { id: input.backendId, tenantId: input.tenantId, kind: "graph" },
  });
  if (!backend) throw notFound("No such Microsoft 365 mail system in this workspace");
  if (input.users.length > MAX_M365_IMPORT_USERS) throw tooManyM365Users();
  const results: ImportRowResult[] = [];
  for (const [i, u] of input.users.entries()) {
    const line = i + 1;
    const login = u.userPrincipalName?.trim() || undefined;
    const mail = u.mail?.trim().toLowerCase();
    if (!mail) {
      results.push({
        line,
        address: login ?? u.id,
        ok: false,
        outcome: "skipped",
        message: "skipped: no mailbox (no mail address in Microsoft 365)",
      });
      continue;
    }
    const existing = await ctx.prisma.mailbox.findFirst({
      where: { address: mail, tenantId: input.tenantId },
      select: { id: true },
    });
    if (existing) {
      results.push({ line, address: mail, ok: false, outcome: "exists", message: "already exists" });
      continue;
    }
    try {
      const m = await addMailbox(ctx, {
        tenantId: input.tenantId,
        backendId: backend.id,
        address: mail,
        displayName: u.displayName?.trim() || undefined,
        login,
      });
      results.push({ line, address: m.address, ok: true, outcome: "added", message: "added" });
    } catch (err) {
      if (!(err instanceof ProvisioningError)) throw err;
      results.push({ line, address: mail, ok: false, outcome: "error", message: err.message });
    }
  }
  const count = (o: ImportRowResult["outcome"]) => results.filter((r) => r.outcome === o).length;
  await audit(ctx, ctx.prisma, {
    tenantId: input.tenantId,
    action: "mailbox.import",
    target: backend.id,
    data: {
      source: "microsoft365",
      users: results.length,
      added: count("added"),
      exists: count("exists"),
      skipped: count("skipped"),
      errors: count("error"),
    },
  });
  return results;
}
