/**
 * A catalog read compiled under a session's rules, shared by every session that applies the same
 * rules of the same policy to the same read. Compiling matches every column against every rule's
 * selector: done per session, it was about 3% of the gateway's CPU per connect under the demo's
 * masking rules (bench/gateway-cpu.ts, a connect per tool call), and the sessions of one agent, or
 * of agents with the same exemptions, compile the same thing. A compiled catalog is read, never
 * changed, so sharing it changes nothing a session sees.
 *
 * Keys are identities: a new read of the catalog, or a new policy (its rule list is another
 * array), compiles again, and entries go with the read or the policy they were made from.
 */
export function createCompiledCatalogs<Catalog extends object, Rule extends object, Compiled>(
  compile: (catalog: Catalog, rules: readonly Rule[]) => Compiled,
): (catalog: Catalog, policyRules: readonly Rule[], rules: readonly Rule[]) => Compiled {
  const byCatalog = new WeakMap<Catalog, WeakMap<readonly Rule[], Map<string, Compiled>>>();
  return (catalog, policyRules, rules) => {
    // The session's rules as positions in the policy's list: which of them its exemptions left.
    const positions = rules.map((rule) => policyRules.indexOf(rule));
    if (positions.includes(-1)) return compile(catalog, rules);
    let byPolicy = byCatalog.get(catalog);
    if (!byPolicy) {
      byPolicy = new WeakMap();
      byCatalog.set(catalog, byPolicy);
    }
    let bySubset = byPolicy.get(policyRules);
    if (!bySubset) {
      bySubset = new Map();
      byPolicy.set(policyRules, bySubset);
    }
    const key = positions.join(",");
    let compiled = bySubset.get(key);
    if (compiled === undefined) {
      compiled = compile(catalog, rules);
      bySubset.set(key, compiled);
    }
    return compiled;
  };
}
