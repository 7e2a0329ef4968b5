declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the integration tier's PostgreSQL (`postgres` database). */
    adminUrl: string;
    /** Administrative TCP login of the integration tier's MariaDB (see mariadb-server.ts). */
    mariadb: { host: string; port: number; user: string; password: string };
  }
}

export {};
