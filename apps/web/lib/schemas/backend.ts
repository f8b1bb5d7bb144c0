// The backend form: what the portal accepts for each kind of mail system.
// Empty fields mean "not set"; secrets are only ever written.
import { z } from "zod";

const text = (max = 500) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => v || undefined);

const number = (min: number, max: number, what: string) =>
  z
    .union([
      z.literal(""),
      z.coerce
        .number()
        .int(`${what} must be a whole number`)
        .min(min, `${what} must be at least ${min}`)
        .max(max, `${what} must be at most ${max}`),
    ])
    .optional()
    .transform((v) => (v === "" || v === undefined ? undefined : v));

const security = z
  .union([z.literal(""), z.enum(["tls", "starttls", "none"])])
  .optional()
  .transform((v) => (v ? v : undefined));

export const BACKEND_KINDS = ["imap", "pop3", "graph", "ews", "hosted"] as const;

export const backendFields = {
  name: text(120),
  host: text(253),
  port: number(1, 65535, "Port"),
  security,
  tlsCa: text(20_000).refine(
    (v) => !v || v.includes("BEGIN CERTIFICATE"),
    "Paste a PEM certificate (-----BEGIN CERTIFICATE-----…)",
  ),
  tlsInsecure: z.boolean().optional(),
  pollIntervalSeconds: number(5, 3600, "Poll interval"),
  pop3LeaveOnServer: z.boolean().optional(),
  smtpHost: text(253),
  smtpPort: number(1, 65535, "Port"),
  smtpSecurity: security,
  smtpUser: text(254),
  relaySavesSent: z.boolean().optional(),
  maxMessageMb: number(1, 25, "Largest message"),
  secret: z.string().max(4000).optional(),
  clearSecret: z.boolean().optional(),
  graphTenantId: text(100),
  graphClientId: text(100),
  graphAuthority: text(300),
  graphApiBase: text(300),
  ewsUrl: text(500),
};

export const backendForm = z.object({ kind: z.enum(BACKEND_KINDS), ...backendFields });
export type BackendForm = z.output<typeof backendForm>;

export const backendTestForm = backendForm.extend({
  backendId: z
    .uuid()
    .optional()
    .or(z.literal("").transform(() => undefined)),
  testLogin: text(254),
  testPassword: z.string().max(1000).optional(),
});
export type BackendTestForm = z.output<typeof backendTestForm>;

/** The backend row's options (see apps/gateway/src/sync/account.ts) from the form. */
export function backendOptions(f: BackendForm): Record<string, unknown> {
  return {
    tlsCa: f.tlsCa ?? null,
    tlsInsecure: f.tlsInsecure ? true : null,
    pollIntervalSeconds: f.pollIntervalSeconds ?? null,
    ...(f.kind === "pop3" ? { pop3LeaveOnServer: f.pop3LeaveOnServer ?? false } : {}),
    // Read by the gateway's outbox (copies.ts) and SMTP intake (limits.ts messageLimitFor).
    relaySavesSent: f.relaySavesSent ? true : null,
    maxMessageBytes: f.maxMessageMb ? f.maxMessageMb * 1024 * 1024 : null,
  };
}

export const DEFAULT_AUTHORITY = "https://login.microsoftonline.com";
export const DEFAULT_GRAPH_API = "https://graph.microsoft.com/v1.0";
