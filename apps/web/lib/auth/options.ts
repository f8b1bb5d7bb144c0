// next-auth, composed once: email + password (credentials provider) against
// the portal's users, JWT sessions signed with NEXTAUTH_SECRET, and the
// sign-in rate limits. Pages and actions get the user from the session and
// resolve tenant and role themselves (lib/server/session.ts).
import "server-only";
import { authenticateUser } from "@postern/db/provisioning";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { provisioningContext } from "@/lib/server/context";
import { log } from "@/lib/server/log";
import { blockedFor, clear, hit, minutes, SIGNIN_PER_EMAIL, SIGNIN_PER_IP } from "@/lib/server/rate-limit";
import { clientIpFrom } from "@/lib/server/request";

export const authOptions: NextAuthOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const email = String(credentials?.email ?? "")
          .trim()
          .toLowerCase();
        const password = String(credentials?.password ?? "");
        const hdrs = (req?.headers ?? {}) as Record<string, string | undefined>;
        const ip = clientIpFrom({ get: (n) => hdrs[n] ?? null });
        // Thrown messages reach the sign-in form as they are: write them for the person.
        const wait = Math.max(blockedFor(SIGNIN_PER_EMAIL, email), blockedFor(SIGNIN_PER_IP, ip));
        if (wait) throw new Error(`Too many failed sign-ins. Try again in ${minutes(wait)}, or reset your password.`);
        if (!email || !password) throw new Error("Enter your email and password.");
        const user = await authenticateUser(await provisioningContext("system", ip), email, password);
        if (!user) {
          hit(SIGNIN_PER_EMAIL, email);
          hit(SIGNIN_PER_IP, ip);
          log("info", "portal sign-in failed", { email, ip });
          throw new Error("That email and password do not match an account.");
        }
        clear(SIGNIN_PER_EMAIL, email);
        return { id: user.id, email: user.email, name: user.name };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) token.uid = user.id;
      return token;
    },
    session({ session, token }) {
      if (session.user) (session.user as { id?: string }).id = token.uid as string;
      return session;
    },
  },
};
