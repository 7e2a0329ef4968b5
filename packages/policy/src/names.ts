import { z } from "zod";

/**
 * The one name pattern of Sluice, shared by the API, the console and the policy file. Agent and
 * connection names are typed into connection strings (agent = user, connection = database), so a
 * name needs no URL escaping (no ':' — it would split user from password), starts with a letter or
 * digit, and fits PostgreSQL's identifier length.
 */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const NAME_MAX_LENGTH = 63;

export const ZName = z
  .string()
  .trim()
  .min(1, "required")
  .max(NAME_MAX_LENGTH, `at most ${NAME_MAX_LENGTH} characters`)
  .regex(NAME_PATTERN, "letters, digits, '_', '.' and '-' only, starting with a letter or digit");
