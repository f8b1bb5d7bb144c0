"use client";
// A labelled input with its hint and its error, wired for screen readers.
import type { ReactNode } from "react";
import { useFieldError } from "./action-form.tsx";

const input =
  "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-ink shadow-sm placeholder:text-slate-400 focus:border-brand-500 focus:ring-2 focus:ring-brand-500/30 focus:outline-none aria-[invalid=true]:border-red-400";

interface Common {
  name: string;
  label: string;
  hint?: ReactNode;
  required?: boolean;
  className?: string;
}

function Wrap(props: Common & { children: ReactNode; error?: string }) {
  return (
    <div className={props.className}>
      <label htmlFor={`f-${props.name}`} className="block text-sm font-medium text-slate-800">
        {props.label}
        {props.required && (
          <span className="text-red-600" aria-hidden>
            {" "}
            *
          </span>
        )}
      </label>
      <div className="mt-1">{props.children}</div>
      {props.hint && !props.error && (
        <p id={`f-${props.name}-hint`} className="mt-1 text-xs text-slate-500">
          {props.hint}
        </p>
      )}
      {props.error && (
        <p id={`f-${props.name}-error`} className="mt-1 text-xs font-medium text-red-700">
          {props.error}
        </p>
      )}
    </div>
  );
}

export function Field(
  props: Common & {
    type?: string;
    defaultValue?: string | number | null;
    placeholder?: string;
    autoComplete?: string;
    inputMode?: "numeric" | "email" | "text" | "url";
  },
) {
  const error = useFieldError(props.name);
  return (
    <Wrap {...props} error={error}>
      <input
        id={`f-${props.name}`}
        name={props.name}
        type={props.type ?? "text"}
        defaultValue={props.defaultValue ?? undefined}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        required={props.required}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `f-${props.name}-error` : props.hint ? `f-${props.name}-hint` : undefined}
        className={input}
      />
    </Wrap>
  );
}

export function TextArea(
  props: Common & { defaultValue?: string | null; placeholder?: string; rows?: number; mono?: boolean },
) {
  const error = useFieldError(props.name);
  return (
    <Wrap {...props} error={error}>
      <textarea
        id={`f-${props.name}`}
        name={props.name}
        rows={props.rows ?? 4}
        defaultValue={props.defaultValue ?? undefined}
        placeholder={props.placeholder}
        required={props.required}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `f-${props.name}-error` : props.hint ? `f-${props.name}-hint` : undefined}
        className={`${input} ${props.mono ? "font-mono text-xs" : ""}`}
      />
    </Wrap>
  );
}

export function Select(
  props: Common & { options: Array<{ value: string; label: string }>; defaultValue?: string | null },
) {
  const error = useFieldError(props.name);
  return (
    <Wrap {...props} error={error}>
      <select
        id={`f-${props.name}`}
        name={props.name}
        defaultValue={props.defaultValue ?? undefined}
        aria-invalid={error ? true : undefined}
        className={input}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Wrap>
  );
}

export function Checkbox(props: { name: string; label: string; hint?: string; defaultChecked?: boolean }) {
  return (
    <div className="flex items-start gap-3">
      <input
        id={`f-${props.name}`}
        name={props.name}
        type="checkbox"
        defaultChecked={props.defaultChecked}
        className="mt-0.5 h-4 w-4 rounded border-slate-300 text-brand-600 focus-visible:outline-2 focus-visible:outline-brand-600"
      />
      <label htmlFor={`f-${props.name}`} className="text-sm">
        <span className="font-medium text-slate-800">{props.label}</span>
        {props.hint && <span className="block text-xs text-slate-500">{props.hint}</span>}
      </label>
    </div>
  );
}
