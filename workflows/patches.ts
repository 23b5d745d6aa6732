/**
 * The session workflow's patch registry: every `patched(id)` in workflows/ names an entry of PATCHES, and every
 * id ever retired stays in RETIRED_PATCH_IDS so that no new patch reuses it (a history recorded with the old
 * marker would take the new path). How to change workflow code safely: README, "Changing workflow code".
 */
export interface PatchRecord {
  /** The marker id passed to patched() and, later, deprecatePatch(). */
  id: string;
  /** When it shipped (YYYY-MM-DD). */
  added: string;
  /** From when no run that started before `added` can still be open, so the old path may go (deprecatePatch, then removal). */
  removableAfter: string;
  /** What the new path does differently. */
  change: string;
}

/** Patches in effect (those dated before any release were retired on 2026-12-06). */
export const PATCHES = {
  'seq-activity-names': {
    id: 'seq-activity-names',
    added: '2026-12-06',
    removableAfter: '2027-01-06',
    change: 'loadSession/saveSession are scheduled as loadNextSeq/saveNextSeq (the worker registers both names until then)',
  },
  'conversation-log': {
    id: 'conversation-log',
    added: '2026-12-06',
    removableAfter: '2027-01-06',
    change: 'the session writes its conversation log (appendLogEvents, and events carried by attemptDelivery) and queues the non-message events its channel\'s webhook takes',
  },
  'continue-as-new-on-time': {
    id: 'continue-as-new-on-time',
    added: '2026-12-06',
    removableAfter: '2027-01-06',
    change: 'a run continues as new past 1,000 history events (was 1,500), and once it waits to, its delivery loop starts no new attempt or append, so a backlog of replies no longer holds the run open past its bound',
  },
} satisfies Record<string, PatchRecord>;

/** An id of a patch in effect: what patched() takes. */
export type PatchId = keyof typeof PATCHES;

/** Retired on 2026-12-06 with their old paths (and the activities only those paths called: deliverWebhook, loadFlow). */
export const RETIRED_PATCH_IDS = [
  'webhook-ids-from-run-and-seq',
  'route-with-signal-no-local-activities',
  'bounded-session-state',
  'linear-time-regex',
  'one-lazy-wake-timer',
  'continue-as-new-by-history-length',
  'new-user-starts-without-load',
  'stop-bots-of-deleted-deployments',
  'webhook-retry-schedule-in-workflow',
  'keep-resume-signalled-during-attempt',
] as const;
