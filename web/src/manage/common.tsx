// Pieces the management screens share: a loaded value with its loading / error states, error
// texts (by field when the API names one), an inline confirmation, and the screen frame.

import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, ChangedError } from '../api/client';
import { focusWhenShown } from '../canvas/focusAfter';

const FOCUSABLE = 'button:not([disabled]), a[href], input:not([disabled]), select:not([disabled])';

/**
 * Where the focus goes after a confirmed action in a list row (a delete) took the focused
 * button away: the button asked again (or the row's first control) when the row stayed, else
 * the row now in its place (or the one before it), else the screen's heading. It went to the
 * page's body, so the keyboard started over at the top bar. Called before the action (the row
 * may be gone by the time it is done); the function it returns moves the focus afterwards.
 */
export function refocusAfterRowAction(anchor: Element): (prefer?: () => HTMLElement | null) => void {
  const row = anchor.closest('tr, li');
  const list = row?.parentElement ?? null;
  const index = row && list ? [...list.children].indexOf(row) : -1;
  const screen = anchor.closest('section');
  return (prefer) =>
    focusWhenShown(() => {
      const again = prefer?.();
      if (again?.isConnected) return again;
      if (row?.isConnected) return row.querySelector<HTMLElement>(FOCUSABLE);
      if (list?.isConnected && index >= 0) {
        const rows = [...list.children];
        const el = rows[Math.min(index, rows.length - 1)]?.querySelector<HTMLElement>(FOCUSABLE);
        if (el) return el;
      }
      const heading = screen?.isConnected ? screen.querySelector<HTMLElement>('h1, h2') : null;
      if (heading && !heading.hasAttribute('tabindex')) heading.tabIndex = -1;
      return heading;
    });
}

/** The API's body limit said in words ("request body is too large limit=65536 bytes"). */
function tooLargeText(e: ApiError): string | null {
  if (e.status !== 413) return null;
  const m = /limit=(\d+)/.exec(e.detail);
  return `Too large: the API takes at most ${m ? `${Math.floor(Number(m[1]) / 1024)} KB` : 'a limited size'} in one request.`;
}

/**
 * What a write refused with 412 says: someone changed the item since this screen read it, and
 * nothing was written. The screen keeps what the person typed and shows the item as it is now.
 */
export const CHANGED_TEXT = 'Changed by someone else since you opened it — what it is now is shown. Apply your change again, or discard it.';

/** Whether a write was refused because the item changed since it was read (412). */
export function isChanged(e: unknown): e is ChangedError {
  return e instanceof ChangedError;
}

/** A readable message for any error. */
export function errText(e: unknown): string {
  if (e instanceof ChangedError) return CHANGED_TEXT;
  if (e instanceof ApiError) {
    if (e.isNetwork) return 'The API could not be reached.';
    return tooLargeText(e) ?? (e.detail || e.title);
  }
  return e instanceof Error ? e.message : String(e);
}

/** The API's message for one field ("name", "path.key", "values.prod"), if it named it. */
export function fieldError(e: unknown, ...fields: string[]): string | undefined {
  if (!(e instanceof ApiError)) return undefined;
  for (const f of fields) {
    const m = e.fieldError(f);
    if (m) return m;
  }
  return undefined;
}

/**
 * A form's refusal by the API whose field messages go once the person edits that field (they
 * stayed until the next submit, saying a fixed value was still wrong); what the API said about
 * the form as a whole stays. set() keeps a new refusal (or clears it), edited(f) drops f's.
 */
export function useServerError(): { error: unknown; set(e: unknown): void; field(...fields: string[]): string | undefined; edited(field: string): void } {
  const [state, setState] = useState<{ error: unknown; edited: ReadonlySet<string> }>({ error: null, edited: new Set() });
  return {
    error: state.error,
    set: (error) => setState({ error, edited: new Set() }),
    field: (...fields) => fieldError(state.error, ...fields.filter((f) => !state.edited.has(f))),
    edited: (f) => setState((s) => (s.error === null || s.edited.has(f) ? s : { error: s.error, edited: new Set([...s.edited, f]) })),
  };
}

/** The error's text unless it is only about fields the form already shows. */
export function formError(e: unknown, shown: string[]): string | null {
  if (e === null || e === undefined) return null;
  if (e instanceof ChangedError || (e instanceof ApiError && e.status === 413)) return errText(e);
  if (e instanceof ApiError && e.fieldErrors.length > 0) {
    const rest = e.fieldErrors.filter((f) => !shown.includes(f.field));
    if (rest.length === 0) return null;
    return rest.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message)).join('; ');
  }
  return errText(e);
}

export type Load<T> = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; value: T };

/**
 * Loads a value when the inputs change; reload fetches again, set changes the loaded value
 * in place (after a change the API confirmed). Answers of superseded loads are dropped.
 */
export function useLoad<T>(f: () => Promise<T>, deps: readonly unknown[]): [Load<T>, () => void, (g: (v: T) => T) => void] {
  const [load, setLoad] = useState<Load<T>>({ status: 'loading' });
  const seq = useRef(0);
  const run = useCallback(f, deps);
  const reload = useCallback(() => {
    const n = ++seq.current;
    setLoad({ status: 'loading' });
    run().then(
      (value) => n === seq.current && setLoad({ status: 'ready', value }),
      (e: unknown) => n === seq.current && setLoad({ status: 'error', message: errText(e) }),
    );
  }, [run]);
  useEffect(() => {
    reload();
    return () => {
      seq.current++;
    };
  }, [reload]);
  const set = useCallback((g: (v: T) => T) => setLoad((l) => (l.status === 'ready' ? { status: 'ready', value: g(l.value) } : l)), []);
  return [load, reload, set];
}

/** The loading and error states of a load; renders nothing once it is ready. */
export function LoadState({ load, what, retry }: { load: Load<unknown>; what: string; retry(): void }) {
  if (load.status === 'loading')
    return (
      <div className="ps-empty" role="status">
        <div className="ps-spinner" aria-hidden /> Loading {what}…
      </div>
    );
  if (load.status === 'error')
    return (
      <div className="ps-empty" role="alert">
        <p className="ps-field-error">
          Could not load {what}: {load.message}
        </p>
        <button type="button" className="ps-button ps-small" onClick={retry}>
          Try again
        </button>
      </div>
    );
  return null;
}

/** A screen of the settings area: a title, what it is for, and its content. */
export function Screen({ title, intro, children, readOnly }: { title: string; intro: ReactNode; children: ReactNode; readOnly?: string | null }) {
  return (
    <section className="ps-page ps-m-screen" aria-label={title}>
      <h1>{title}</h1>
      <p className="ps-hint">{intro}</p>
      {readOnly ? (
        <p className="ps-m-note" role="note">
          {readOnly}
        </p>
      ) : null}
      {children}
    </section>
  );
}

/**
 * A button that asks before acting: the first press shows the question with Confirm and
 * Cancel (Escape cancels), so destructive actions are never one keystroke away.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  disabled,
  small = true,
  accessibleName,
  focusAfter,
}: {
  label: string;
  question: ReactNode;
  confirmLabel?: string;
  onConfirm(): Promise<unknown>;
  disabled?: boolean;
  small?: boolean;
  accessibleName?: string;
  /** Where the keyboard goes once onConfirm is done, when not back to this button (null: as usual). */
  focusAfter?: () => HTMLElement | null;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  // refused: the keyboard goes back to the confirm button, which lost it while it waited disabled
  useEffect(() => {
    if (error && !busy) confirmRef.current?.focus();
  }, [error, busy]);
  const cancel = () => {
    setAsking(false);
    setError(null);
    setTimeout(() => openRef.current?.focus(), 0);
  };
  const cls = `ps-button${small ? ' ps-small' : ''} ps-danger`;
  if (!asking)
    return (
      <button ref={openRef} type="button" className={cls} disabled={disabled} aria-label={accessibleName} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span
      className="ps-m-confirm"
      role="group"
      aria-label={accessibleName ? `Confirm: ${accessibleName}` : `Confirm ${label}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          cancel();
        }
      }}
    >
      <span className="ps-m-question">{question}</span>
      <button
        ref={confirmRef}
        type="button"
        className={`${cls} ps-m-danger-solid`}
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(null);
          const refocus = confirmRef.current ? refocusAfterRowAction(confirmRef.current) : null;
          onConfirm().then(
            () => {
              setBusy(false);
              setAsking(false);
              refocus?.(() => focusAfter?.() ?? openRef.current);
            },
            (e: unknown) => {
              setBusy(false);
              setError(errText(e));
            },
          );
        }}
      >
        {busy ? 'Working…' : (confirmLabel ?? label)}
      </button>
      <button type="button" className="ps-button ps-small" onClick={cancel}>
        Cancel
      </button>
      {error ? (
        <span className="ps-field-error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}

/** A date-time in the person's locale ("—" when absent). */
export function when(iso: string | undefined | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** An input's props for an error the API named: marked invalid and described by it. */
/** The props of a field's control: invalid and described by its error when there is one, and by its help (hintId) always. */
export function invalidProps(id: string, message: string | undefined, hintId?: string) {
  const describedBy = [message ? `${id}-error` : '', hintId ?? ''].filter(Boolean).join(' ');
  return {
    ...(message ? { 'aria-invalid': true as const } : {}),
    ...(describedBy ? { 'aria-describedby': describedBy } : {}),
    className: message ? 'ps-input invalid' : 'ps-input',
  };
}

export function FieldMessage({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <span id={`${id}-error`} className="ps-field-error" role="alert">
      {message}
    </span>
  ) : null;
}
