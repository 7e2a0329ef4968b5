/* eslint no-console: 0 */
// Stands in for postgres.js's tests/test.js during a conformance run. The original stops running
// tests after the first failure (every later test is "ignored"), which hides every difference after
// the first; this one runs every test the same way (sequentially, the same per-test timeout, the
// same [expected, got] comparison) and prints one line per test for the harness to read.
import util from "node:util";

// A test that ends a client while a query of it is still queued leaves a rejection nobody awaits;
// Node would end the whole run there, so every later test would count as a difference.
process.on("unhandledRejection", (reason) => {
  console.log(
    `PGJS-STRAY ${reason instanceof Error ? reason.message : util.inspect(reason)}`.replaceAll("\n", " "),
  );
});

let done = 0;
let only = false;
let promise = Promise.resolve();
const tests = {};

export const nt = () => {};
export const ot = (...rest) => {
  only = true;
  return test(true, ...rest);
};
export const t = (...rest) => test(false, ...rest);
t.timeout = 5;

async function test(o, name, options, fn) {
  if (typeof options !== "object") {
    fn = options;
    options = {};
  }
  // The same stack depth as the original runner: frame 3 is the test's line in index.js.
  const line = new Error().stack.split("\n")[3].match(":([0-9]+):")[1];
  await 1;
  if (only && !o) return;
  tests[line] = { line, name };
  let timer;
  promise = promise
    .then(() =>
      Promise.race([
        new Promise((_, reject) => {
          timer = setTimeout(() => reject("Timed out"), (options.timeout || t.timeout) * 1000);
        }),
        fn(),
      ]),
    )
    .then(async (x) => {
      clearTimeout(timer);
      if (!Array.isArray(x)) throw new Error("Test should return result array");
      const [expected, got] = await Promise.all(x);
      if (expected !== got) throw new Error(`${util.inspect(expected)} != ${util.inspect(got)}`);
      console.log(`PGJS-PASS L${line} ${name}`);
    })
    .catch((err) => {
      clearTimeout(timer);
      const text =
        err instanceof Error ? `${err.code ? `${err.code} ` : ""}${err.message}` : util.inspect(err);
      console.log(`PGJS-FAIL L${line} ${name} :: ${text.replaceAll("\n", " ")}`);
    })
    .then(() => {
      done += 1;
      if (done === Object.keys(tests).length) {
        console.log("PGJS-END");
        // Tests that leave a client open would keep the process alive; every outcome is printed.
        setTimeout(() => process.exit(0), 100);
      }
    });
}
