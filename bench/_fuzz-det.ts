import { detect, DETECTOR_NAMES } from "../packages/masking/src/detectors";
import { detect as oldDetect } from "../packages/masking/src/_old-detectors";
const parts = ["4242 4242 4242 4242", "4111-1111-1111-1111", "123-45-6789", "415-555-0101", "(415) 555-0101", "+1 415 555 0101", "10.0.0.1", "1.2", "192.168.1.300", "a@b.co", "ada@example.com", "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "::1", "fe80::1", "eyJhbGciOi.eyJzdWIiOi.abcdefghijkl", "AKIAIOSFODNN7EXAMPLE", " ", "-", ".", "(", ")", "+", ",", "\"", ":", "x", "7", "12", "123", "9999", "0", "A1", "_"];
let seed = 1; const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
let diffs = 0;
for (let i = 0; i < 300000; i++) {
  let s = ""; const k = 1 + rnd(8);
  for (let j = 0; j < k; j++) s += parts[rnd(parts.length)];
  const a = JSON.stringify(detect(s, DETECTOR_NAMES)); const b = JSON.stringify(oldDetect(s, DETECTOR_NAMES));
  if (a !== b) { diffs++; if (diffs < 10) console.log(JSON.stringify(s), a, b); }
}
console.log("diffs", diffs);
