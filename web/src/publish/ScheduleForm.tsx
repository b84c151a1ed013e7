// The schedule form of a schedule flow: a 5-field cron expression described in plain words
// as it is typed, the next five fire times (the API's answer: a preview while editing, the
// saved schedule's after saving; none, with why, while it is disabled or published nowhere,
// since then it does not fire), the IANA time zone (a searchable picker), an optional
// start / end window and the enabled switch. The API's validation errors land on the fields.
// A save sends the schedule's etag last read as If-Match; a 412 (someone changed it since; a
// fire time passing does not change it) keeps what was typed, says so and reads it again.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { Schedule, ScheduleInput } from '../api/types';
import { CHANGED_TEXT, isChanged } from '../manage/common';
import { errText, fieldError, formatTime, type Load, LoadError, Loading, otherFieldErrors, useKeyboardBackAfter } from './common';
import { tryDescribeCron } from './cron';
import { TimeZonePicker } from './TimeZonePicker';
import './publish.css';
import { submitWith } from '../ui/forms';

export { timeZones } from './timezones';

export interface ScheduleFormProps {
  api: ApiClient;
  project: string;
  flow: string;
  onSaved?(s: Schedule): void;
  /** Milliseconds to wait after typing before asking for a preview (default 400). */
  previewDelayMs?: number;
  /** Changes when the flow's publications change (a publish, an unpublish, from anywhere in the
   * editor): the schedule is read again, for the stages it fires on. */
  refreshKey?: string;
  /** Told whether the form holds edits that are not saved (on every change of that). */
  onDirty?(dirty: boolean): void;
}

/** How long to wait before the next fire time shown has passed (at most an hour; then look again). */
export function untilPassed(first: string | undefined, now: number): number | null {
  if (!first) return null;
  const at = Date.parse(first);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(at - now + 1000, 5000), 3_600_000);
}

interface FormState {
  cron: string;
  timezone: string;
  /** datetime-local values in the browser's time; '' for none. */
  start: string;
  end: string;
  enabled: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An RFC 3339 time as a datetime-local value in the browser's time zone. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (browser time) as RFC 3339 UTC; undefined for empty or invalid. */
export function fromLocalInput(v: string): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The request body the form sends. */
export function scheduleBody(f: FormState): ScheduleInput {
  const start = fromLocalInput(f.start);
  const end = fromLocalInput(f.end);
  return { cron: f.cron.trim(), timezone: f.timezone, ...(start ? { start } : {}), ...(end ? { end } : {}), enabled: f.enabled };
}

function fromSchedule(s: Schedule): FormState {
  return { cron: s.cron, timezone: s.timezone || 'UTC', start: toLocalInput(s.start), end: toLocalInput(s.end), enabled: s.enabled };
}

type Preview = { description: string; next_runs: string[] } | { error: unknown };

export function ScheduleForm(props: ScheduleFormProps) {
  const { api, project, flow } = props;
  const delay = props.previewDelayMs ?? 400;
  const [load, setLoad] = useState<Load<Schedule>>({ status: 'loading' });
  const [form, setForm] = useState<FormState | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const edited = useRef(false);
  // the schedule as it is now, read again after a 412
  const [now, setNow] = useState<Schedule | null>(null);
  const saveRef = useRef<HTMLButtonElement>(null);
  // the button waited disabled and the browser left the keyboard on the body
  useKeyboardBackAfter(saving, saveRef);

  const reload = useCallback(() => {
    setLoad({ status: 'loading' });
    api.getSchedule(project, flow).then(
      (s) => {
        setLoad({ status: 'ready', value: s });
        setForm(fromSchedule(s));
        setPreview({ description: s.description, next_runs: s.next_runs });
        edited.current = false;
      },
      (e: unknown) => setLoad({ status: 'error', message: errText(e), error: e }),
    );
  }, [api, project, flow]);
  useEffect(reload, [reload]);

  // the schedule again, without the loading state; what is being typed stays
  const refresh = useCallback(() => {
    api.getSchedule(project, flow).then(
      (s) => {
        setLoad({ status: 'ready', value: s });
        if (edited.current) return;
        setForm(fromSchedule(s));
        setPreview({ description: s.description, next_runs: s.next_runs });
      },
      () => undefined, // the shown one stays; the next change tries again
    );
  }, [api, project, flow]);
  const lastKey = useRef(props.refreshKey);
  useEffect(() => {
    if (props.refreshKey === lastKey.current) return;
    lastKey.current = props.refreshKey;
    refresh();
  }, [props.refreshKey, refresh]);

  // the next fire times of what is typed, from the API, once typing pauses
  const body = useMemo(() => (form ? scheduleBody(form) : null), [form]);
  // enabled too: switching a disabled schedule on lists the times it will fire at
  const bodyKey = body ? JSON.stringify(body) : '';
  useEffect(() => {
    if (!body || !edited.current) return;
    if (!tryDescribeCron(body.cron).ok) return setPreview(null);
    let live = true;
    const t = setTimeout(() => {
      api.previewSchedule(body).then(
        (p) => live && setPreview(p),
        (e: unknown) => live && setPreview({ error: e }),
      );
    }, delay);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, bodyKey, delay]);

  // unsaved: what the form would send differs from the saved schedule
  const dirty = !!body && load.status === 'ready' && JSON.stringify(body) !== JSON.stringify(scheduleBody(fromSchedule(load.value)));
  const onDirty = props.onDirty;
  useEffect(() => onDirty?.(dirty), [dirty, onDirty]);

  // once the first fire time shown has passed, the list is worked out again
  const bodyRef = useRef(body);
  bodyRef.current = body;
  const [recheck, setRecheck] = useState(0);
  const firstRun = preview && !('error' in preview) ? preview.next_runs[0] : undefined;
  useEffect(() => {
    const wait = untilPassed(firstRun, Date.now());
    if (wait === null) return;
    const t = setTimeout(() => {
      if (Date.parse(firstRun!) > Date.now()) return setRecheck((n) => n + 1); // not yet (waits are capped)
      const b = bodyRef.current;
      if (edited.current && b) api.previewSchedule(b).then(setPreview, () => undefined);
      else refresh();
    }, wait);
    return () => clearTimeout(t);
  }, [api, firstRun, recheck, refresh]);

  if (load.status === 'loading') return <Loading what="the schedule" />;
  if (load.status === 'error') return <LoadError message={load.message} onRetry={reload} />;
  if (!form || !body) return null;

  const edit = (patch: Partial<FormState>) => {
    edited.current = true;
    setForm({ ...form, ...patch });
    setSaved(false);
  };

  const submit = async () => {
    setSaving(true);
    setError(null);
    setNow(null);
    const etag = (load.value as Schedule & { etag?: string }).etag;
    try {
      const s = await api.putSchedule(project, flow, body, etag);
      setLoad({ status: 'ready', value: s });
      setForm(fromSchedule(s));
      setPreview({ description: s.description, next_runs: s.next_runs });
      edited.current = false;
      setSaved(true);
      props.onSaved?.(s);
    } catch (e) {
      setError(e);
      // changed meanwhile: what was typed stays (edited), the schedule is read again (its new
      // tag for the next save, and what it is now, shown beside the message)
      if (isChanged(e))
        api.getSchedule(project, flow).then(
          (s) => {
            setLoad({ status: 'ready', value: s });
            setNow(s);
          },
          () => undefined,
        );
    }
    setSaving(false);
  };

  const local = tryDescribeCron(form.cron);
  const previewErr = preview && 'error' in preview ? preview.error : null;
  // errors of the save first, then of the preview
  const err = (f: string) => fieldError(error, f) ?? fieldError(previewErr, f);
  const cronErr = err('cron') ?? (local.ok ? undefined : local.error);
  const changed = isChanged(error);
  const rest = changed ? [] : [...otherFieldErrors(error, (f) => ['cron', 'timezone', 'start', 'end', 'enabled'].includes(f))];
  const general = changed ? CHANGED_TEXT : error && !rest.length && !['cron', 'timezone', 'start', 'end'].some((f) => fieldError(error, f)) ? errText(error) : null;
  const runs = preview && !('error' in preview) ? preview.next_runs : null;
  // what does not fire has no next fire times (as the API answers for the saved schedule)
  const published = Object.keys(load.value.published ?? {}).length > 0;
  const notFiring = load.value.not_firing === 'in_trash' ? 'in_trash' : !form.enabled ? 'disabled' : !published ? 'not_published' : null;

  return (
    <form
      className="ps-pub-form"
      aria-label="Schedule"
      onSubmit={submitWith(submit)}
    >
      <div className="ps-pub-field">
        <label className="ps-pub-label" htmlFor="ps-cron">
          Cron (minute hour day-of-month month day-of-week)
        </label>
        <input
          id="ps-cron"
          className={`ps-input ps-mono${cronErr ? ' invalid' : ''}`}
          value={form.cron}
          spellCheck={false}
          placeholder="*/15 * * * *"
          aria-invalid={!!cronErr}
          aria-describedby="ps-cron-text"
          onChange={(e) => edit({ cron: e.target.value })}
        />
        <span id="ps-cron-text" data-testid="cron-description" className={cronErr ? 'ps-field-error' : 'ps-hint'}>
          {cronErr ?? (local.ok ? local.text : '')}
        </span>
      </div>

      <div className="ps-pub-field">
        <label className="ps-pub-label" htmlFor="ps-tz">
          Time zone
        </label>
        <TimeZonePicker id="ps-tz" value={form.timezone} onChange={(timezone) => edit({ timezone })} invalid={!!err('timezone')} describedBy={err('timezone') ? 'ps-tz-error' : undefined} />
        {err('timezone') ? (
          <span id="ps-tz-error" className="ps-field-error">
            {err('timezone')}
          </span>
        ) : null}
      </div>

      <fieldset>
        <legend>Window (optional, your local time)</legend>
        <div className="ps-pub-window">
          <label className="ps-pub-field">
            <span className="ps-pub-label">Start</span>
            <input
              type="datetime-local"
              className={`ps-input${err('start') ? ' invalid' : ''}`}
              aria-invalid={err('start') ? true : undefined}
              aria-describedby={err('start') ? 'ps-window-start-error' : undefined}
              value={form.start}
              onChange={(e) => edit({ start: e.target.value })}
            />
          </label>
          <label className="ps-pub-field">
            <span className="ps-pub-label">End</span>
            <input
              type="datetime-local"
              className={`ps-input${err('end') ? ' invalid' : ''}`}
              aria-invalid={err('end') ? true : undefined}
              aria-describedby={err('end') ? 'ps-window-end-error' : undefined}
              value={form.end}
              onChange={(e) => edit({ end: e.target.value })}
            />
          </label>
        </div>
        {err('start') ? (
          <p className="ps-field-error" id="ps-window-start-error">
            Start: {err('start')}
          </p>
        ) : null}
        {err('end') ? (
          <p className="ps-field-error" id="ps-window-end-error">
            End: {err('end')}
          </p>
        ) : null}
      </fieldset>

      <label className="ps-switch">
        <input type="checkbox" role="switch" aria-checked={form.enabled} checked={form.enabled} onChange={(e) => edit({ enabled: e.target.checked })} /> Enabled
      </label>

      <section aria-label="Next fire times">
        <h3 className="ps-pub-label">Next fire times ({form.timezone})</h3>
        {notFiring ? (
          <p className="ps-hint" data-testid="not-firing">
            {notFiring === 'in_trash'
              ? 'None: the project is in the trash, where nothing fires. Restore it to make it fire.'
              : notFiring === 'disabled'
                ? `None: disabled, it does not fire${published ? ' on the stages it is published to' : ''}. Enable it and save to make it fire.`
                : 'None: published to no stage, it does not fire.'}
          </p>
        ) : runs === null ? (
          <p className="ps-hint">
            {cronErr
              ? 'Fix the expression to see when it fires.'
              : previewErr
                ? // the preview was refused (an end before the start…): said on its field above; it never comes
                  `Fix the ${['timezone', 'start', 'end'].filter((f) => fieldError(previewErr, f)).map((f) => (f === 'timezone' ? 'time zone' : f)).join(' and ') || 'schedule'} to see when it fires${
                    ['timezone', 'start', 'end'].some((f) => fieldError(previewErr, f)) ? '.' : `: ${errText(previewErr)}`
                  }`
                : 'Working them out…'}
          </p>
        ) : runs.length === 0 ? (
          <p className="ps-hint">It does not fire again{form.end ? ' before the window ends' : ''}.</p>
        ) : (
          <ol className="ps-next-runs" data-testid="next-runs">
            {runs.map((t) => (
              <li key={t}>
                <time dateTime={t}>{formatTime(t, form.timezone)}</time>
              </li>
            ))}
          </ol>
        )}
        <p className="ps-hint" data-testid="schedule-published">
          {Object.keys(load.value.published ?? {}).length
            ? `Fires on ${Object.entries(load.value.published)
                .map(([st, v]) => `${st} (v${v})`)
                .join(', ')}.`
            : 'Not published to any stage yet: publish it to make it fire.'}
        </p>
      </section>

      {rest.length || general ? (
        <div className="ps-pub-alert" role="alert" data-testid={changed ? 'schedule-changed' : undefined}>
          {changed && now ? (
            <>
              {CHANGED_TEXT}{' '}
              <span data-testid="schedule-now">
                Now: <code>{now.cron}</code> ({now.timezone || 'UTC'}), {now.enabled ? 'enabled' : 'disabled'}.
              </span>
            </>
          ) : general ?? (
            <ul>
              {rest.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          )}
        </div>
      ) : null}

      <div className="ps-row">
        <button ref={saveRef} type="submit" className="ps-button ps-primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save schedule'}
        </button>
        {saved ? (
          <span className="ps-pub-ok" role="status">
            Saved
          </span>
        ) : null}
      </div>
    </form>
  );
}
