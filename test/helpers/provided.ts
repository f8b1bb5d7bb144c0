// Values test/setup/global.ts provides to every test file.
declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export {};
