/** The response is not the JSON (or text) it was declared to be: the rest of it must not reach the agent. */
export class BodyStreamError extends Error {}
