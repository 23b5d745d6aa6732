/**
 * patched() ids of the session workflow that sessions recorded before them replay without. Each keeps its old
 * path until no history without it can still be replayed; the replay tests keep a history from each side.
 */

/** Routes come with the signal and the database is read by regular activities: no local activity in a session. */
export const ROUTE_WITH_SIGNAL_PATCH = 'route-with-signal-no-local-activities';

/** Variables, inbox and outbox are kept within workflows/bounds.ts. */
export const BOUNDED_STATE_PATCH = 'bounded-session-state';

/** Flow regexes run on RE2 (workflows/flow/pattern.ts) instead of the backtracking RegExp. */
export const LINEAR_TIME_REGEX_PATCH = 'linear-time-regex';

/** The main loop keeps one wake-up timer, armed lazily, instead of starting and cancelling one per message. */
export const ONE_WAKE_TIMER_PATCH = 'one-lazy-wake-timer';

/** A run continues as new past EVENTS_BEFORE_CONTINUE_AS_NEW history events, so a cold worker replays it quickly. */
export const SHORT_RUNS_PATCH = 'continue-as-new-by-history-length';

/** A brand-new user's first run starts at seq 1 without the loadSession activity (SessionInput.newUser). */
export const NEW_USER_WITHOUT_LOAD_PATCH = 'new-user-starts-without-load';
