declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the integration tier's PostgreSQL (`postgres` database). */
    adminUrl: string;
  }
}

export {};
