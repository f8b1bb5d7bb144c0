"use server";
// Actions for people not signed in yet: validated, rate-limited where it
// matters (lib/server/account.ts), answered in words.
import { z } from "zod";
import { acceptInvite, completeReset, requestReset, signupBusiness } from "@/lib/server/account";
import { publicAction } from "@/lib/server/action";

const email = z.string().trim().min(1, "Enter your email address").max(254).email("Enter a valid email address");
const password = z.string().min(10, "Use at least 10 characters").max(200, "Use at most 200 characters");

export const signupAction = publicAction(
  z.object({
    businessName: z.string().trim().min(1, "Enter your business's name").max(120),
    name: z.string().trim().max(120).optional(),
    email,
    password,
  }),
  signupBusiness,
);

export const forgotAction = publicAction(z.object({ email }), requestReset);

export const resetAction = publicAction(z.object({ token: z.string().min(1).max(100), password }), completeReset);

export const acceptInviteAction = publicAction(
  z.object({
    token: z.string().min(1).max(100),
    name: z.string().trim().max(120).optional(),
    password: password.optional().or(z.literal("").transform(() => undefined)),
  }),
  acceptInvite,
);
