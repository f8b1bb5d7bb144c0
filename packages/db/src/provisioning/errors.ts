// Errors the provisioning functions throw: a code the CLI and the portal map
// to an exit status or an HTTP status, and a message written for the admin.
export type ProvisioningErrorCode = "invalid" | "notFound" | "alreadyExists" | "forbidden";

export class ProvisioningError extends Error {
  readonly code: ProvisioningErrorCode;
  readonly field?: string;
  constructor(code: ProvisioningErrorCode, message: string, field?: string) {
    super(message);
    this.name = "ProvisioningError";
    this.code = code;
    this.field = field;
  }
}

export const invalid = (message: string, field?: string) => new ProvisioningError("invalid", message, field);
export const notFound = (message: string) => new ProvisioningError("notFound", message);
export const alreadyExists = (message: string, field?: string) =>
  new ProvisioningError("alreadyExists", message, field);

/** Prisma's unique-constraint violation, whatever the client build. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: string }).code === "P2002";
}
