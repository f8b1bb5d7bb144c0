"use server";
// Backend actions: owners and admins of the tenant named by `slug` only
// (lib/server/action.ts checks it before anything runs).
import { addBackend, updateBackend } from "@postern/db/provisioning";
import { z } from "zod";
import { backendFields, backendForm, backendOptions, backendTestForm } from "@/lib/schemas/backend";
import { tenantAction } from "@/lib/server/action";
import { testConnection } from "@/lib/server/connection-test";
import { ADMINS } from "@/lib/server/session";

export const addBackendAction = tenantAction(ADMINS, backendForm, async ({ ctx, tenant }, f) => {
  const b = await addBackend(ctx, {
    tenantId: tenant.id,
    kind: f.kind,
    name: f.name,
    host: f.host,
    port: f.port,
    security: f.security,
    smtpHost: f.smtpHost,
    smtpPort: f.smtpPort,
    smtpSecurity: f.smtpSecurity,
    smtpUser: f.smtpUser,
    graphTenantId: f.graphTenantId,
    graphClientId: f.graphClientId,
    graphAuthority: f.graphAuthority,
    graphApiBase: f.graphApiBase,
    ewsUrl: f.ewsUrl,
    secret: f.secret || undefined,
    options: Object.fromEntries(Object.entries(backendOptions(f)).filter(([, v]) => v !== null)),
  });
  return { id: b.id };
});

export const updateBackendAction = tenantAction(
  ADMINS,
  z.object({ id: z.uuid(), ...backendFields, kind: z.string().optional() }),
  async ({ ctx, tenant }, f) => {
    const b = await updateBackend(ctx, {
      tenantId: tenant.id,
      id: f.id,
      name: f.name ?? "",
      host: f.host,
      port: f.port,
      security: f.security,
      smtpHost: f.smtpHost ?? null,
      smtpPort: f.smtpPort ?? null,
      smtpSecurity: f.smtpSecurity ?? null,
      smtpUser: f.smtpUser ?? null,
      graphTenantId: f.graphTenantId ?? null,
      graphClientId: f.graphClientId ?? null,
      graphAuthority: f.graphAuthority ?? null,
      graphApiBase: f.graphApiBase ?? null,
      ewsUrl: f.ewsUrl ?? null,
      secret: f.secret || undefined,
      clearSecret: f.clearSecret,
      options: backendOptions({ ...f, kind: (f.kind as "imap") ?? "imap" }),
    });
    return { id: b.id };
  },
);

export const testBackendAction = tenantAction(ADMINS, backendTestForm, (access, f) => testConnection(access, f));
