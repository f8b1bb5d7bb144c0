// Self-service signup and portal sign-in. A business signs up alone: its
// tenant and its owner account are made in one transaction, so a half-made
// tenant without an owner cannot exist.
import { randomBytes } from "node:crypto";
import { hashPassword, verifyPassword } from "../passwords.ts";
import { audit } from "./audit.ts";
import type { ProvisioningContext } from "./context.ts";
import { alreadyExists, invalid, isUniqueViolation } from "./errors.ts";
import { checkName, normalizeAddress, slugify } from "./validate.ts";

export const MIN_PASSWORD_LENGTH = 10;

export function checkPortalPassword(password: string, field = "password"): string {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw invalid(`Use at least ${MIN_PASSWORD_LENGTH} characters for the password`, field);
  if (password.length > 200) throw invalid("The password is longer than 200 characters", field);
  return password;
}

export interface SignupInput {
  businessName: string;
  email: string;
  password: string;
  name?: string;
}

/** Create a tenant and its owner. Returns both; the caller signs the owner in. */
export async function signup(ctx: ProvisioningContext, input: SignupInput) {
  const businessName = checkName(input.businessName, "businessName", 120);
  const email = normalizeAddress(input.email, "email");
  checkPortalPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  const base = slugify(businessName) || "business";
  try {
    return await ctx.prisma.$transaction(async (tx) => {
      if (await tx.user.findUnique({ where: { email } })) {
        throw alreadyExists("An account with this email already exists — sign in instead", "email");
      }
      // Two businesses may share a name; the slug (in URLs) gets a suffix.
      let slug = base.slice(0, 40);
      if (await tx.tenant.findUnique({ where: { slug } })) slug = `${slug}-${randomBytes(3).toString("hex")}`;
      const tenant = await tx.tenant.create({ data: { name: businessName, slug } });
      const user = await tx.user.create({
        data: { email, name: input.name?.trim() || null, passwordHash },
        select: { id: true, email: true, name: true },
      });
      await tx.membership.create({ data: { userId: user.id, tenantId: tenant.id, role: "owner" } });
      await audit({ ...ctx, actor: `user:${user.id}` }, tx, {
        tenantId: tenant.id,
        action: "tenant.signup",
        target: slug,
        data: { name: businessName, owner: email },
      });
      return { tenant, user };
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw alreadyExists("An account with this email already exists — sign in instead", "email");
    throw err;
  }
}

/** The user whose email and password these are, or null. Always spends one hash, so timing tells nothing. */
export async function authenticateUser(ctx: ProvisioningContext, email: string, password: string) {
  const user = await ctx.prisma.user.findUnique({
    where: { email: email.trim().toLowerCase() },
    select: { id: true, email: true, name: true, passwordHash: true },
  });
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user?.passwordHash || !ok) return null;
  return { id: user.id, email: user.email, name: user.name };
}

// A valid hash of a random password: verifying against it costs what a real one does.
const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$qR1pQ2gmWc7m3nQmF0aL6ZcYg1Hh6f0bqYk5x3E2Q9o";

/** The tenants a user belongs to, with the role in each. */
export async function membershipsOf(ctx: ProvisioningContext, userId: string) {
  return ctx.prisma.membership.findMany({
    where: { userId },
    include: { tenant: { select: { id: true, slug: true, name: true } } },
    orderBy: { createdAt: "asc" },
  });
}
