// Values test/setup/global.ts provides to every test file.
declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    /** One secret key for the run: every test gateway can decrypt every test mailbox's password. */
    secretKey: string;
  }
}

export {};
