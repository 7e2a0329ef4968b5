import { HOLDER_SILENCE_MS } from "@sluice/reviews/gateway-liveness";

/**
 * The FATAL a session gets when this gateway finds that another gateway already ended it: this
 * process's heartbeat was silent for HOLDER_SILENCE_MS (it was stopped, its event loop blocked, or
 * the store out of its reach), so the others took it for dead, abandoned its held reviews and
 * marked its sessions ended with an incomplete recording. Running on would leave a ghost: a session
 * the console shows as over, still answering. It is ended instead, and the agent reconnects.
 */
export const ENDED_ELSEWHERE_REASON =
  `this gateway was silent for over ${HOLDER_SILENCE_MS / 1000} s (stalled or cut off from its store) ` +
  "and another gateway ended this session meanwhile; it was closed rather than run on unaudited: connect again";
