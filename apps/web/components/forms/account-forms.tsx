"use client";
// Sign-in, signup, password reset and invitation forms.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { useRef, useState, useTransition } from "react";
import { acceptInviteAction, forgotAction, resetAction, signupAction } from "@/app/(account)/actions";
import { ActionForm, formValues } from "./action-form.tsx";
import { Field } from "./field.tsx";

const primary =
  "inline-flex w-full items-center justify-center rounded-lg bg-brand-600 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60";

export function LoginForm(props: { next?: string; notice?: string }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const v = formValues(e.currentTarget);
    start(async () => {
      const r = await signIn("credentials", { email: v.email, password: v.password, redirect: false });
      if (!r || r.error) {
        setError(
          r?.error && r.error !== "CredentialsSignin" ? r.error : "That email and password do not match an account.",
        );
        return;
      }
      const next = props.next?.startsWith("/") && !props.next.startsWith("//") ? props.next : "/t";
      router.push(next);
      router.refresh();
    });
  }
  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      {props.notice && (
        <p
          role="status"
          className="rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800"
        >
          {props.notice}
        </p>
      )}
      {error && (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          {error}
        </p>
      )}
      <Field name="email" label="Work email" type="email" autoComplete="email" required />
      <Field name="password" label="Password" type="password" autoComplete="current-password" required />
      <div className="flex justify-end text-sm">
        <Link href="/forgot" className="font-medium text-brand-600 hover:underline">
          Forgot your password?
        </Link>
      </div>
      <button type="submit" disabled={pending} className={primary}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

export function SignupForm() {
  const router = useRouter();
  const [signingIn, setSigningIn] = useState(false);
  // What was typed, to sign in with once the account exists (a ref: read in the same tick).
  const typed = useRef({ email: "", password: "" });
  return (
    <ActionForm
      slug=""
      action={(_s, v) => {
        typed.current = { email: String(v.email), password: String(v.password) };
        return signupAction(v);
      }}
      submitLabel={signingIn ? "Signing you in…" : "Create my workspace"}
      pendingLabel="Creating your workspace…"
      submitClassName={primary}
      onSuccess={async (data) => {
        setSigningIn(true);
        // The account exists now: sign in with what was just typed.
        const r = await signIn("credentials", { ...typed.current, redirect: false });
        router.push(r?.ok ? `/t/${data.slug}?welcome=1` : "/login?notice=created");
      }}
    >
      <Field name="businessName" label="Business name" autoComplete="organization" required placeholder="Acme Ltd" />
      <Field name="name" label="Your name" autoComplete="name" placeholder="Ana Silva" />
      <Field
        name="email"
        label="Work email"
        type="email"
        autoComplete="email"
        required
        placeholder="ana@acme.example"
      />
      <Field
        name="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        hint="At least 10 characters."
      />
    </ActionForm>
  );
}

export function ForgotForm() {
  const [sent, setSent] = useState(false);
  if (sent)
    return (
      <p
        role="status"
        className="rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800"
      >
        If an account exists for that address, a reset link is on its way. It works for one hour. No mail? Your
        administrator can find the link in the portal's log.
      </p>
    );
  return (
    <ActionForm
      slug=""
      action={(_s, v) => forgotAction(v)}
      submitLabel="Send reset link"
      submitClassName={primary}
      onSuccess={() => setSent(true)}
    >
      <Field name="email" label="Work email" type="email" autoComplete="email" required />
    </ActionForm>
  );
}

export function ResetForm(props: { token: string }) {
  return (
    <ActionForm
      slug=""
      action={(_s, v) => resetAction({ ...v, token: props.token })}
      submitLabel="Set new password"
      submitClassName={primary}
      redirectTo={() => "/login?notice=reset"}
    >
      <Field
        name="password"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        hint="At least 10 characters."
      />
    </ActionForm>
  );
}

export function InviteForm(props: { token: string; hasAccount: boolean; signedInAs: string | null; email: string }) {
  const router = useRouter();
  const password = useRef("");
  const needsSignIn = props.hasAccount && props.signedInAs !== props.email;
  if (needsSignIn)
    return (
      <p className="text-sm text-slate-700">
        {props.email} already has a Postern account.{" "}
        <Link
          className="font-medium text-brand-600 hover:underline"
          href={`/login?next=${encodeURIComponent(`/invite/${props.token}`)}`}
        >
          Sign in as {props.email}
        </Link>{" "}
        to accept.
      </p>
    );
  return (
    <ActionForm
      slug=""
      action={(_s, v) => {
        password.current = String(v.password ?? "");
        return acceptInviteAction({ ...v, token: props.token });
      }}
      submitLabel="Accept invitation"
      submitClassName={primary}
      onSuccess={async (data) => {
        if (!data.signedIn)
          await signIn("credentials", { email: data.email, password: password.current, redirect: false });
        router.push(`/t/${data.slug}`);
      }}
    >
      {!props.hasAccount && (
        <>
          <Field name="name" label="Your name" autoComplete="name" />
          <Field
            name="password"
            label="Choose a password"
            type="password"
            autoComplete="new-password"
            required
            hint="At least 10 characters."
          />
        </>
      )}
    </ActionForm>
  );
}
