// Server actions, composed once (dub's safe-action pattern): every tenant
// action resolves the user, checks membership of the tenant named by the
// caller and the role it needs, validates its input with zod, and only then
// runs. Errors come back as words for the form, never as stack traces.
import "server-only";
import { ProvisioningError } from "@postern/db/provisioning";
import type { z } from "zod";
import { log } from "./log.ts";
import { type Role, type TenantAccess, tenantAccess } from "./session.ts";

export type ActionResult<T> =
  | { ok: true; data: T }
  | { ok: false; error: string; fieldErrors?: Record<string, string> };

export const NO_ACCESS = "You do not have access to this. Sign in with an account that does.";

export function failure(err: unknown): { ok: false; error: string; fieldErrors?: Record<string, string> } {
  if (err instanceof ProvisioningError) {
    return { ok: false, error: err.message, fieldErrors: err.field ? { [err.field]: err.message } : undefined };
  }
  log("error", "action failed", { error: (err as Error)?.message, stack: (err as Error)?.stack });
  return { ok: false, error: "Something went wrong on our side. Try again in a moment." };
}

export function invalidInput(error: z.ZodError): { ok: false; error: string; fieldErrors: Record<string, string> } {
  const fieldErrors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form");
    fieldErrors[key] ??= issue.message;
  }
  return { ok: false, error: "Check the highlighted fields.", fieldErrors };
}

/** An action on tenant `slug` for members with one of `roles`. */
export function tenantAction<S extends z.ZodType, T>(
  roles: readonly Role[],
  schema: S,
  run: (access: TenantAccess, input: z.output<S>) => Promise<T>,
) {
  return async (slug: string, raw: unknown): Promise<ActionResult<T>> => {
    const access = await tenantAccess(slug);
    if (!access || !roles.includes(access.role)) return { ok: false, error: NO_ACCESS };
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return invalidInput(parsed.error);
    try {
      return { ok: true, data: await run(access, parsed.data) };
    } catch (err) {
      return failure(err);
    }
  };
}

/** An action anyone may call (signup, password reset): input validated, errors in words. */
export function publicAction<S extends z.ZodType, T>(schema: S, run: (input: z.output<S>) => Promise<T>) {
  return async (raw: unknown): Promise<ActionResult<T>> => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return invalidInput(parsed.error);
    try {
      return { ok: true, data: await run(parsed.data) };
    } catch (err) {
      return failure(err);
    }
  };
}
