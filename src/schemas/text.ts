import { z } from 'zod';

/**
 * JavaScript's whitespace (what String.prototype.trim removes), spelled out: `\s` means other sets in other regex
 * engines, and the OpenAPI document's pattern must mean exactly what the API checks.
 */
const BLANK = '\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const NOT_ONLY_BLANKS = new RegExp(`[^${BLANK}]`);
const codePoints = (text: string) => [...text].length;

/**
 * Text that is not only blanks, of at most `max` characters counted as JSON Schema counts them (code points, so an
 * emoji is one), stored trimmed. Its document says just that: a pattern and maxLength.
 */
export function trimmedText(max: number) {
  return z
    .string()
    .regex(NOT_ONLY_BLANKS, 'must not be empty')
    .refine((text) => codePoints(text) <= max, `at most ${max} characters`)
    .meta({ maxLength: max })
    .transform((text) => text.trim());
}
