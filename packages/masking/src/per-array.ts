/**
 * `derive` of an array that stays the same object for a session's life (its rules, its detector
 * names), computed once per array. The last array is checked before the map: the values of one
 * result come one after another, and a WeakMap lookup per value costs more than the work it saves.
 */
export function perArray<T extends object, R>(derive: (array: T) => R): (array: T) => R {
  const derived = new WeakMap<T, R>();
  let lastArray: T | null = null;
  let lastDerived: R | undefined;
  return (array) => {
    if (array === lastArray) return lastDerived as R;
    let value = derived.get(array);
    if (value === undefined) {
      value = derive(array);
      derived.set(array, value);
    }
    lastArray = array;
    lastDerived = value;
    return value;
  };
}
