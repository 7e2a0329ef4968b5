// Whether a content detector could match a value at all, and where its matches can start and end.
import { lastDigitOf, Marker, markersOf, type TextStats } from "./text-stats";

/** What `mayMatch` checks before a detector's pattern runs. */
export enum Gate {
  Email,
  Phone,
  UsSsn,
  PaymentCard,
  Iban,
  Ipv4,
  Ipv6,
  Jwt,
  CloudKey,
  PrivateKey,
}

/**
 * Could this value hold a match of the gated detector? One function with a switch, not a closure
 * per detector: every value goes through every detector's check, and one call site that sees nine
 * different closures is slower than the checks themselves.
 */
export function mayMatch(gate: Gate, text: string, stats: TextStats): boolean {
  switch (gate) {
    case Gate.Email:
      return stats.at && stats.dot;
    case Gate.Phone:
      // Without + ( or -, only `ddd.ddd.dddd` is a phone number: two dots after three digits each.
      return stats.digits >= 10 && (stats.plusOrParen || stats.dash || stats.dotsAfterThreeDigits >= 2);
    case Gate.UsSsn:
      return stats.dash && stats.digitRun >= 9;
    case Gate.PaymentCard:
      return stats.digitRun >= 13;
    case Gate.Iban:
      return stats.upperThenDigit && stats.digits >= 4;
    case Gate.Ipv4:
      return stats.dotsBetweenDigits >= 3;
    case Gate.Ipv6:
      return stats.colonsBetweenHex >= 2 || stats.doubleColon;
    case Gate.Jwt:
      return (markersOf(text, stats) & Marker.Jwt) !== 0;
    case Gate.CloudKey:
      return (markersOf(text, stats) & Marker.CloudKey) !== 0;
    case Gate.PrivateKey:
      return (markersOf(text, stats) & Marker.PrivateKey) !== 0;
  }
}

/**
 * Where the gated detector's first match can start at the earliest (see `TextStats`); only called
 * once `mayMatch` said yes, so the positions it reads were found. Every phone number starts at a
 * digit or at the `+` or `(` right before one.
 */
export function earliestStart(gate: Gate, stats: TextStats): number {
  switch (gate) {
    case Gate.Phone:
      return Math.max(0, stats.firstDigit - 1);
    case Gate.UsSsn:
      return stats.nineRunFrom;
    case Gate.PaymentCard:
      return stats.thirteenRunFrom;
    case Gate.Ipv4:
      return Math.max(0, stats.ipv4From);
    default:
      return 0;
  }
}

/** Where the gated detector's last match can start at the latest (see `TextStats`). */
export function latestStart(gate: Gate, text: string, stats: TextStats): number {
  switch (gate) {
    case Gate.Phone:
      return lastDigitOf(text);
    case Gate.UsSsn:
      // nnn-nn-nnnn: nine digits and two dashes.
      return stats.lastNineRunEnd - 11;
    case Gate.PaymentCard:
      return stats.lastThirteenRunEnd - 13;
    case Gate.Ipv4:
      return stats.lastDotBetweenDigits;
    default:
      return text.length;
  }
}
