import type { ProvisioningContext } from "./context.ts";

type Tx = Pick<ProvisioningContext["prisma"], "auditEvent">;

export async function audit(
  ctx: ProvisioningContext,
  tx: Tx,
  e: { tenantId: string | null; action: string; target?: string; data?: Record<string, unknown> },
): Promise<void> {
  await tx.auditEvent.create({
    data: {
      tenantId: e.tenantId,
      actor: ctx.actor,
      action: e.action,
      target: e.target,
      // Callers pass only non-secret fields; secrets never reach the audit log.
      data: (e.data ?? {}) as object,
      ip: ctx.ip,
    },
  });
}
