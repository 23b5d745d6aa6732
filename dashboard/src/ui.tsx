import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

/** An error in words, next to what failed; details name the field at fault. */
export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div role="alert" class="error">
      <p>{error instanceof Error ? error.message : String(error)}</p>
      {details.length > 0 && (
        <ul>
          {details.map((d) => (
            <li key={d.path}>
              <code>{d.path || '(body)'}</code>: {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A form's last lines: what went wrong, then Cancel and the submit button (busy while the action runs). */
export function FormFooter({ error, busy, submit, onCancel }: { error: unknown; busy: boolean; submit: string; onCancel: () => void }) {
  return (
    <>
      <ErrorText error={error} />
      <div class="buttons">
        <button type="button" onClick={onCancel}>Cancel</button>
        <button type="submit" disabled={busy}>{submit}</button>
      </div>
    </>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A modal <dialog>: focus moves in, Escape closes it, and it says what it is for. */
export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-label={title} onClose={onClose}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}

/** Runs an async action with a busy flag and its error kept for display. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(null) };
}

/** Loads once (and again on reload()), keeping the error for display. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then((value) => live && (setData(value), setError(null)), (err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { data, error, reload: () => setRound((r) => r + 1) };
}

/** Rows per page of a list; "Show more" fetches the next page. */
export const PAGE_SIZE = 50;

/** One page of a list the API serves a page at a time (`?limit=&pageToken=`, answered with `nextPageToken`). */
export interface Page<T> {
  items: T[];
  nextPageToken?: string | undefined;
}

/**
 * A paged list: its first page on load (and again on reload()), each next page appended by more(). A load that
 * a newer one overtook (the filter changed, a reload) is dropped, so pages of two lists never mix.
 */
export function usePages<T>(load: (pageToken?: string) => Promise<Page<T>>, deps: unknown[] = []) {
  const [items, setItems] = useState<T[] | null>(null);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [round, setRound] = useState(0);
  const generation = useRef(0);
  const fetchPage = (pageToken: string | undefined, take: (page: Page<T>) => void) => {
    const mine = ++generation.current;
    setBusy(true);
    load(pageToken).then(
      (page) => mine === generation.current && (take(page), setNext(page.nextPageToken), setError(null)),
      (err) => mine === generation.current && setError(err),
    ).finally(() => mine === generation.current && setBusy(false));
  };
  useEffect(() => fetchPage(undefined, (page) => setItems(page.items)), [...deps, round]);
  return {
    items,
    error,
    busy,
    /** Appends the next page; undefined when the last page is shown. */
    more: next === undefined ? undefined : () => fetchPage(next, (page) => setItems((shown) => [...(shown ?? []), ...page.items])),
    reload: () => setRound((r) => r + 1),
  };
}

/** "Show more" under a paged table, while the API has more to give. */
export function MoreButton({ pages }: { pages: { more?: (() => void) | undefined; busy: boolean } }) {
  if (!pages.more) return null;
  return <div class="buttons"><button type="button" disabled={pages.busy} onClick={pages.more}>Show more</button></div>;
}

export const when = (iso: string | number) => new Date(iso).toLocaleString();
