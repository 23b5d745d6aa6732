/**
 * Every bound on a session's state, in one place. A run carries its whole state through continue-as-new as one
 * payload, and Temporal refuses payloads over 2 MB, so each part that input can grow is capped here, and what
 * happens past a cap is explicit (a transcript event, a refused message, a reply spilled to the delivery log).
 */

/** Variable names, as templates can name them ({{name}} takes 1–64 characters). */
export const MAX_VARIABLE_NAME_CHARS = 64;
/** One variable's value: a whole user message (10,000 characters) fits. */
export const MAX_VARIABLE_VALUE_CHARS = 10_000;
/** All variables together (names and values, UTF-8 bytes); past it new variables are not saved. */
export const MAX_VARIABLES_BYTES = 64 * 1024;

/** Texts and event details in the transcript; the transcript itself keeps its last TRANSCRIPT_LIMIT entries. */
export const TRANSCRIPT_TEXT_CHARS = 500;
/** Attachments kept per transcript entry, and how much of each URL. */
export const TRANSCRIPT_ATTACHMENTS = 3;
export const TRANSCRIPT_URL_CHARS = 512;

/**
 * Messages waiting for the main loop (user and admin) that a continue-as-new may carry; with more waiting, the
 * run drains them first. Nothing a session was signalled is refused inside it (after a worker outage hundreds
 * may arrive at once, all accepted): the per-user and per-key rate limits bound how fast an inbox grows, at
 * the API, with a 429 the integrator sees.
 */
export const MAX_CARRIED_INBOX_BYTES = 192 * 1024;

/** Replies waiting for delivery; past either cap a reply goes to the delivery log as failed (redeliverable). */
export const MAX_OUTBOX_ENTRIES = 500;
export const MAX_OUTBOX_BYTES = 384 * 1024;

/** Redeliveries per signal, by the size of their entries: a large redeliver-since is sent in several signals. */
export const MAX_REDELIVERY_SIGNAL_BYTES = 128 * 1024;

/**
 * The state carried through continue-as-new. The caps above and a bot's flow (a saved bot is at most 300 KB)
 * add up to about 1.3 MB; past this budget the oldest transcript entries go first, so the carry never fails.
 */
export const CARRIED_STATE_BYTES = 1_500_000;

/** UTF-8 bytes of a value's JSON: what the caps above are measured in (no TextEncoder in every sandbox). */
export function sizeOf(value: unknown): number {
  const json = JSON.stringify(value) ?? '';
  let bytes = json.length;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/** Cuts a string to `max` characters, marking the cut. */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * The variables a turn left, within the caps: over-long names are not saved, values are cut, and once the total
 * is reached no further variable is saved. `refused` names what was not saved, for the transcript.
 */
export function boundVariables(variables: Record<string, string>): { variables: Record<string, string>; refused: string[] } {
  const bounded: Record<string, string> = {};
  const refused: string[] = [];
  let total = 0;
  for (const [name, value] of Object.entries(variables)) {
    const kept = value.length > MAX_VARIABLE_VALUE_CHARS ? value.slice(0, MAX_VARIABLE_VALUE_CHARS) : value;
    const bytes = sizeOf(name) + sizeOf(kept);
    if (name.length > MAX_VARIABLE_NAME_CHARS || total + bytes > MAX_VARIABLES_BYTES) {
      refused.push(name.slice(0, MAX_VARIABLE_NAME_CHARS));
      continue;
    }
    total += bytes;
    bounded[name] = kept;
  }
  return { variables: bounded, refused };
}
