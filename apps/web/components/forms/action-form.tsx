"use client";
// A form that calls a server action with its fields as a plain object and
// shows what came back: field errors next to their inputs, a message at the
// top, then refresh, redirect or hand the result to the caller.
import { useRouter } from "next/navigation";
import { createContext, type ReactNode, useContext, useRef, useState, useTransition } from "react";

export type Result<T = unknown> =
  | { ok: true; data: T }
  | { ok: false; error: string; fieldErrors?: Record<string, string> };

const ErrorsContext = createContext<Record<string, string>>({});
export const useFieldError = (name: string) => useContext(ErrorsContext)[name];

export function formValues(form: HTMLFormElement): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const el of Array.from(form.elements) as HTMLInputElement[]) {
    if (!el.name || el.disabled) continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else if (el.type === "radio") {
      if (el.checked) out[el.name] = el.value;
    } else if (el.type !== "submit") out[el.name] = el.value;
  }
  return out;
}

export function ActionForm<T>(props: {
  action: (slug: string, input: Record<string, unknown>) => Promise<Result<T>>;
  slug: string;
  children: ReactNode;
  submitLabel: string;
  pendingLabel?: string;
  /** After success: refresh the page's data (default), go to a URL, or let onSuccess show the result. */
  redirectTo?: (data: T) => string;
  onSuccess?: (data: T) => void;
  successMessage?: string;
  resetOnSuccess?: boolean;
  className?: string;
  secondary?: ReactNode;
  submitClassName?: string;
}) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);

  function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const values = formValues(e.currentTarget);
    setDone(null);
    start(async () => {
      const r = await props.action(props.slug, values);
      if (!r.ok) {
        setError(r.error);
        setFieldErrors(r.fieldErrors ?? {});
        return;
      }
      setError(null);
      setFieldErrors({});
      if (props.resetOnSuccess) formRef.current?.reset();
      if (props.redirectTo) router.push(props.redirectTo(r.data));
      else {
        props.onSuccess?.(r.data);
        if (props.successMessage) setDone(props.successMessage);
        router.refresh();
      }
    });
  }

  return (
    <ErrorsContext.Provider value={fieldErrors}>
      <form ref={formRef} onSubmit={submit} className={props.className ?? "space-y-4"} noValidate>
        {error && (
          <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
            {error}
          </div>
        )}
        {done && (
          <div
            role="status"
            className="rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800"
          >
            {done}
          </div>
        )}
        {props.children}
        <div className="flex flex-wrap items-center gap-3 pt-1">
          <button
            type="submit"
            disabled={pending}
            className={
              props.submitClassName ??
              "inline-flex items-center justify-center rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60"
            }
          >
            {pending ? (props.pendingLabel ?? "Working…") : props.submitLabel}
          </button>
          {props.secondary}
        </div>
      </form>
    </ErrorsContext.Provider>
  );
}
