/** libpg-query's Emscripten factory, which its package ships without types (see pg-query-module.ts). */
declare module "libpg-query/wasm/libpg-query.js" {
  const createModule: () => Promise<unknown>;
  export default createModule;
}
