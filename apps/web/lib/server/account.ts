// Account flows for people who are not signed in yet: signup, password
// reset, email verification, accepting an invitation. Each is the one
// function its action calls.
import "server-only";
import {
  acceptInvitation,
  issueEmailVerification,
  ProvisioningError,
  requestPasswordReset,
  resetPassword,
  signup,
  verifyEmail,
} from "@postern/db/provisioning";
import { provisioningContext } from "./context.ts";
import { sendPortalMail } from "./mailer.ts";
import {
  blockedFor,
  hit,
  minutes,
  RESET_PER_EMAIL,
  RESET_PER_IP,
  SIGNUP_PER_EMAIL,
  SIGNUP_PER_IP,
} from "./rate-limit.ts";
import { clientIp, publicUrl } from "./request.ts";
import { currentUser } from "./session.ts";

const limited = (wait: number, what: string) =>
  new ProvisioningError("forbidden", `Too many ${what} from here. Try again in ${minutes(wait)}.`);

export async function signupBusiness(input: { businessName: string; email: string; password: string; name?: string }) {
  const ip = await clientIp();
  const email = input.email.trim().toLowerCase();
  const wait = Math.max(blockedFor(SIGNUP_PER_IP, ip), blockedFor(SIGNUP_PER_EMAIL, email));
  if (wait) throw limited(wait, "signups");
  hit(SIGNUP_PER_IP, ip);
  hit(SIGNUP_PER_EMAIL, email);
  const ctx = await provisioningContext("signup", ip);
  const { tenant, user } = await signup(ctx, input);
  const token = await issueEmailVerification(ctx, user.id);
  const link = publicUrl(`/verify/${token}`);
  await sendPortalMail({
    kind: "verify",
    to: user.email,
    link,
    subject: "Confirm your email for Postern",
    text: `Welcome to Postern, and thanks for signing up ${tenant.name}.\n\nConfirm your email address:\n${link}\n\nThe link works for 7 days.`,
  });
  return { slug: tenant.slug };
}

/** Always answers the same, whether or not the address has an account. */
export async function requestReset(input: { email: string }) {
  const ip = await clientIp();
  const email = input.email.trim().toLowerCase();
  const wait = Math.max(blockedFor(RESET_PER_IP, ip), blockedFor(RESET_PER_EMAIL, email));
  if (wait) throw limited(wait, "reset requests");
  hit(RESET_PER_IP, ip);
  hit(RESET_PER_EMAIL, email);
  const issued = await requestPasswordReset(await provisioningContext("system", ip), email);
  if (issued) {
    const link = publicUrl(`/reset/${issued.token}`);
    await sendPortalMail({
      kind: "reset",
      to: issued.email,
      link,
      subject: "Reset your Postern password",
      text: `Someone (hopefully you) asked to reset the password of your Postern account.\n\nChoose a new password:\n${link}\n\nThe link works for one hour, once. If you did not ask, ignore this mail.`,
    });
  }
  return { done: true };
}

export async function completeReset(input: { token: string; password: string }) {
  const user = await resetPassword(await provisioningContext("system", await clientIp()), input.token, input.password);
  return { email: user.email };
}

export async function confirmEmail(token: string) {
  try {
    const u = await verifyEmail(await provisioningContext("system", await clientIp()), token);
    return { ok: true as const, email: u.email };
  } catch (err) {
    if (err instanceof ProvisioningError) return { ok: false as const, error: err.message };
    throw err;
  }
}

export async function acceptInvite(input: { token: string; password?: string; name?: string }) {
  const user = await currentUser();
  const ctx = await provisioningContext(user ? `user:${user.id}` : "invitation", await clientIp());
  const r = await acceptInvitation(ctx, { ...input, userId: user?.id });
  return { email: r.user.email, slug: r.tenantSlug, signedIn: Boolean(user) };
}
