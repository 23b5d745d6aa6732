import type { AttemptView, BotSummary, ChannelView, DeliverySummary, DeploymentView, SessionRow, UserErasure } from '../../src/schemas/views';

/** The documented management API, called with the admin key kept in this tab's session storage only. */
const KEY = 'parley.adminKey';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: { path: string; message: string }[] = []) {
    super(message);
  }
}

/** JSON in and out; an error answer becomes an ApiError whose message is the API's own words. */
export async function api<T>(method: string, path: string, body?: unknown, key = session.key()): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${key ?? ''}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch(() => {
    throw new ApiError(0, 'network', 'The Parley API cannot be reached. Is it running?');
  });
  const text = await response.text();
  const answer = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = answer?.error ?? {};
    throw new ApiError(response.status, error.code ?? 'error', error.message ?? `The API answered ${response.status}.`, error.details);
  }
  return answer as T;
}

/**
 * One page of a list: `path` (with its query) continued from `pageToken`, the rows under `field` as `items`.
 * A deleted row or a changed filter never repeats or skips one: the token is the last row's place.
 */
export async function listPage<T>(path: string, field: string, pageToken?: string): Promise<{ items: T[]; nextPageToken?: string }> {
  const answer = await api<Record<string, unknown>>('GET', pageToken === undefined ? path : `${path}&pageToken=${encodeURIComponent(pageToken)}`);
  return { items: answer[field] as T[], ...(typeof answer.nextPageToken === 'string' ? { nextPageToken: answer.nextPageToken } : {}) };
}

// The management API's answers, as the services build them (src/schemas/views.ts), read from JSON (times as strings).
export type Channel = ChannelView<string>;
export type Bot = BotSummary<string> & { flow?: unknown };
export type Deployment = DeploymentView<string>;
export type { SessionRow, UserErasure };
export type Attempt = AttemptView<string>;
export type Delivery = DeliverySummary<string>;

export interface TranscriptEntry {
  at: number;
  kind: 'user' | 'bot' | 'agent' | 'event';
  text?: string;
  event?: string;
  detail?: string;
  adminID?: number;
  seq?: number;
}

export interface SessionState {
  status: string;
  botId: string | null;
  node: string | null;
  transcript: TranscriptEntry[];
  outboxPending: number;
}

/** Random ids as the API would generate them, shown (and editable) before the channel is created. */
export function generated(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
