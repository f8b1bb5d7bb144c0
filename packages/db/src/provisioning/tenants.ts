import { audit } from "./audit.ts";
import type { ProvisioningContext } from "./context.ts";
import { alreadyExists, isUniqueViolation, notFound } from "./errors.ts";
import { checkName, checkSlug, normalizeDomain, slugify } from "./validate.ts";

export interface CreateTenantInput {
  name: string;
  slug?: string;
  domains?: string[];
}

export async function createTenant(ctx: ProvisioningContext, input: CreateTenantInput) {
  const name = checkName(input.name, "name");
  const slug = checkSlug(input.slug ?? slugify(name));
  const domains = [...new Set((input.domains ?? []).map((d) => normalizeDomain(d)))];
  try {
    return await ctx.prisma.$transaction(async (tx) => {
      const taken = await tx.tenantDomain.findMany({ where: { domain: { in: domains } } });
      if (taken.length) throw alreadyExists(`domain ${taken[0].domain} already belongs to another tenant`, "domain");
      const tenant = await tx.tenant.create({
        data: { name, slug, domains: { create: domains.map((domain) => ({ domain })) } },
        include: { domains: true },
      });
      await audit(ctx, tx, { tenantId: tenant.id, action: "tenant.create", target: slug, data: { name, domains } });
      return tenant;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw alreadyExists(`a tenant with slug "${slug}" already exists`, "slug");
    throw err;
  }
}

export async function getTenant(ctx: ProvisioningContext, slugOrId: string) {
  const isUuid = /^[0-9a-f-]{36}$/i.test(slugOrId);
  const tenant = await ctx.prisma.tenant.findFirst({
    where: isUuid ? { id: slugOrId } : { slug: slugOrId },
    include: { domains: true },
  });
  if (!tenant) throw notFound(`no tenant "${slugOrId}"`);
  return tenant;
}

export async function listTenants(ctx: ProvisioningContext) {
  return ctx.prisma.tenant.findMany({
    orderBy: { createdAt: "asc" },
    include: { domains: true, _count: { select: { mailboxes: true, backends: true } } },
  });
}

/** Claim a mail domain for a tenant; a domain belongs to one tenant only. */
export async function addDomain(ctx: ProvisioningContext, tenantId: string, domain: string) {
  const d = normalizeDomain(domain);
  const existing = await ctx.prisma.tenantDomain.findUnique({ where: { domain: d } });
  if (existing) {
    if (existing.tenantId === tenantId) return existing;
    throw alreadyExists(`domain ${d} already belongs to another tenant`, "domain");
  }
  try {
    return await ctx.prisma.$transaction(async (tx) => {
      const row = await tx.tenantDomain.create({ data: { domain: d, tenantId } });
      await audit(ctx, tx, { tenantId, action: "domain.add", target: d });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw alreadyExists(`domain ${d} already belongs to another tenant`, "domain");
    throw err;
  }
}
