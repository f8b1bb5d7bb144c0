export * from "./backends.ts";
export * from "./context.ts";
export * from "./devices.ts";
export * from "./errors.ts";
export * from "./folders.ts";
export * from "./mailboxes.ts";
export * from "./tenants.ts";
export * from "./validate.ts";
