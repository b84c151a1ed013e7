// Small pieces the publishing screens share: error text, field errors by name, a copy
// button, times, and the loading / error states.

import { type RefObject, useLayoutEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { findByAttr, focusWhenShown } from '../canvas/focusAfter';
import { navigate } from '../shell/router';
import { routePath } from '../shell/routes';

/** A readable message for any error. */
export function errText(e: unknown): string {
  if (e instanceof ApiError) return e.detail || e.title;
  return e instanceof Error ? e.message : String(e);
}

/** The API's message for a field (exact, or the first under it when prefix is set). */
export function fieldError(err: unknown, field: string, prefix = false): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const f = err.fieldErrors.find((x) => x.field === field || (prefix && x.field.startsWith(`${field}.`)));
  return f?.message;
}

/** Field errors the form does not show beside a field, so none is lost. */
export function otherFieldErrors(err: unknown, shown: (field: string) => boolean): string[] {
  if (!(err instanceof ApiError)) return [];
  return err.fieldErrors.filter((f) => !shown(f.field)).map((f) => (f.field ? `${f.field}: ${f.message}` : f.message));
}

export type Load<T> = { status: 'loading' } | { status: 'error'; message: string; error: unknown } | { status: 'ready'; value: T };

export function Loading({ what }: { what: string }) {
  return (
    <div className="ps-empty" role="status">
      <div className="ps-spinner" aria-hidden /> Loading {what}…
    </div>
  );
}

export function LoadError({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="ps-empty" role="alert">
      <p className="ps-field-error">{message}</p>
      {onRetry ? (
        <button type="button" className="ps-button ps-small" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** A date-time in the person's locale (and the given zone). */
export function formatTime(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(d);
  } catch {
    return d.toISOString();
  }
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  return (
    <button
      type="button"
      className="ps-button ps-small"
      aria-label={label}
      title={label}
      onClick={() => {
        const c = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
        if (!c) return setDone('failed');
        c.writeText(text).then(
          () => setDone('copied'),
          () => setDone('failed'),
        );
        setTimeout(() => setDone(null), 2000);
      }}
    >
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Copy failed' : 'Copy'}
    </button>
  );
}

/** A link to the project's Stages settings, where a stage is added (the router asks first over unsaved edits). */
export function StagesLink({ project, children }: { project: string; children: React.ReactNode }) {
  const href = routePath({ name: 'settings', project, section: 'stages' });
  return (
    <a
      className="ps-link"
      href={href}
      onClick={(e) => {
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

/**
 * After an action whose button went away or was turned off while it ran (the focus fell to the
 * page's body): gives the focus to the first enabled button with one of these labels. Focus
 * that is somewhere else stays there.
 */
export function focusBackTo(...labels: string[]): void {
  focusWhenShown(() => {
    const a = document.activeElement as HTMLElement | null;
    if (a && a !== document.body && a.isConnected) return a;
    for (const l of labels) {
      const el = findByAttr(document, 'button', 'aria-label', l) as HTMLButtonElement | null;
      if (el && !el.disabled) return el;
    }
    return null;
  });
}

/** The longest message a version takes (the API's limit), in characters. */
export const MAX_VERSION_MESSAGE = 1000;

/** Why a version's message is refused before asking the API, or null. */
export function versionMessageProblem(message: string): string | null {
  const n = [...message.trim()].length;
  return n > MAX_VERSION_MESSAGE ? `The message is too long: at most ${MAX_VERSION_MESSAGE.toLocaleString('en')} characters (this one has ${n.toLocaleString('en')}).` : null;
}

/**
 * Gives the keyboard back to `button` when `busy` ends (a save answered) and the browser left it
 * on the page's body, as it does when a focused button is disabled while it waits. It happens in
 * the commit that ends busy, so the keyboard is back by the time the answer shows.
 */
export function useKeyboardBackAfter(busy: boolean, button: RefObject<HTMLElement | null>): void {
  const was = useRef(busy);
  useLayoutEffect(() => {
    if (was.current && !busy && (!document.activeElement || document.activeElement === document.body)) button.current?.focus();
    was.current = busy;
  }, [busy, button]);
}
