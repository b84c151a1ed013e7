// The route form of a route flow: method, the path as ordered segments (static text or a
// typed variable), API key requirement, description and response mode; the trigger URL of
// every stage with a copy button and a curl example. Errors of the API land on their fields;
// a 409 (another route flow has the method and path) is shown on the form. A save sends the
// route's etag last read as If-Match; a 412 (someone changed the route since) keeps what was
// typed, says so and reads the route again (its new tag, and what it is now, shown).

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type ApiClient, ApiError, ConflictError } from '../api/client';
import type { HttpMethod, Publication, Route, RouteInput, Segment } from '../api/types';
import { CHANGED_TEXT, isChanged } from '../manage/common';
import { CopyButton, errText, fieldError, focusBackTo, type Load, LoadError, Loading, otherFieldErrors, useKeyboardBackAfter } from './common';
import { StageRoute } from './ServedRoute';
import { curlExample, routePattern, sampleValues, triggerUrl } from './trigger';
import './publish.css';
import { submitWith } from '../ui/forms';

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'];
const TYPES: NonNullable<Segment['type']>[] = ['string', 'number', 'uuid', 'any'];

export interface RouteFormProps {
  api: ApiClient;
  project: string;
  flow: string;
  /** The project's slug: the first part of the trigger host. */
  slug: string;
  stages: string[];
  /** The runtime config's trigger URL pattern. */
  triggerPattern?: string | undefined;
  /** Stage → published version, to tell where the route is live. */
  published?: Record<string, number>;
  /** The flow's publications with the route each stage serves (the API's listPublications):
   * each published stage shows it, and a notice where it is an older one than the saved route. */
  publications?: Publication[] | undefined;
  /** Publishes the draft to a stage (the notice's action); absent for a viewer. */
  onPublish?: ((stage: string) => void) | undefined;
  /** A publish is running. */
  busy?: boolean;
  onSaved?(r: Route): void;
  /** Told whether the form holds edits that are not saved (on every change of that). */
  onDirty?(dirty: boolean): void;
}

/** What the form edits; segments carry a local key so reordering keeps focus and state. */
interface FormState {
  method: HttpMethod;
  segments: (Segment & { key: number })[];
  require_api_key: boolean;
  description: string;
  response_mode: 'wait' | 'async';
  /** One origin a line. */
  cors: string;
}

let keySeq = 0;
const withKey = (s: Segment) => ({ ...s, key: ++keySeq });

function fromRoute(r: Route): FormState {
  return {
    method: r.method,
    segments: (r.segments ?? []).map(withKey),
    require_api_key: !!r.require_api_key,
    description: r.description ?? '',
    response_mode: r.response_mode === 'async' ? 'async' : 'wait',
    cors: (r.cors_origins ?? []).join('\n'),
  };
}

/** The request body the form sends. */
export function routeBody(f: FormState): RouteInput {
  return {
    method: f.method,
    segments: f.segments.map((s) =>
      s.kind === 'static' ? { kind: 'static', value: (s.value ?? '').trim() } : { kind: 'variable', name: (s.name ?? '').trim(), type: s.type ?? 'string' },
    ),
    require_api_key: f.require_api_key,
    description: f.description,
    response_mode: f.response_mode,
    cors_origins: f.cors
      .split(/[\s,]+/)
      .map((o) => o.trim())
      .filter(Boolean),
  };
}

export function RouteForm(props: RouteFormProps) {
  const { api, project, flow } = props;
  const [load, setLoad] = useState<Load<Route>>({ status: 'loading' });
  const [form, setForm] = useState<FormState | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [curlStage, setCurlStage] = useState<string>('');
  // the route as it is now, read again after a 412
  const [now, setNow] = useState<Route | null>(null);
  const saveRef = useRef<HTMLButtonElement>(null);
  // the button waited disabled and the browser left the keyboard on the body
  useKeyboardBackAfter(saving, saveRef);

  const reload = useCallback(() => {
    setLoad({ status: 'loading' });
    api.getRoute(project, flow).then(
      (r) => {
        setLoad({ status: 'ready', value: r });
        setForm(fromRoute(r));
      },
      (e: unknown) => setLoad({ status: 'error', message: errText(e), error: e }),
    );
  }, [api, project, flow]);
  useEffect(reload, [reload]);

  // the curl example starts on a stage that serves the route (the first published one): on an
  // unpublished one (mock, listed first) the copied command only got a 404
  const stage = curlStage || props.stages.find((st) => props.published?.[st]) || props.stages[0] || '';
  const body = useMemo(() => (form ? routeBody(form) : null), [form]);
  const samples = useMemo(() => (body ? sampleValues(body.segments) : []), [body]);
  // unsaved: what the form would send differs from the saved route
  const dirty = !!body && load.status === 'ready' && JSON.stringify(body) !== JSON.stringify(routeBody(fromRoute(load.value)));
  const onDirty = props.onDirty;
  useEffect(() => onDirty?.(dirty), [dirty, onDirty]);

  if (load.status === 'loading') return <Loading what="the route" />;
  if (load.status === 'error') return <LoadError message={load.message} onRetry={reload} />;
  if (!form || !body) return null;

  const edit = (patch: Partial<FormState>) => {
    setForm({ ...form, ...patch });
    setSaved(false);
  };
  const editSeg = (i: number, patch: Partial<Segment>) => edit({ segments: form.segments.map((s, j) => (j === i ? { ...s, ...patch } : s)) });
  const move = (i: number, d: -1 | 1) => {
    const l = [...form.segments];
    const j = i + d;
    if (j < 0 || j >= l.length) return;
    [l[i], l[j]] = [l[j]!, l[i]!];
    edit({ segments: l });
  };

  const submit = async () => {
    setSaving(true);
    setError(null);
    setNow(null);
    const etag = load.status === 'ready' ? (load.value as Route & { etag?: string }).etag : undefined;
    try {
      const r = await api.putRoute(project, flow, body, etag);
      setLoad({ status: 'ready', value: r });
      setForm(fromRoute(r));
      setSaved(true);
      props.onSaved?.(r);
    } catch (e) {
      setError(e);
      // changed meanwhile: what was typed stays; the route is read again (its new tag for the
      // next save, and what it is now, shown beside the message)
      if (isChanged(e))
        api.getRoute(project, flow).then(
          (r) => {
            setLoad({ status: 'ready', value: r });
            setNow(r);
          },
          () => undefined,
        );
    } finally {
      setSaving(false);
    }
  };

  const segErr = (i: number) => fieldError(error, `segments[${i}]`) ?? fieldError(error, `segments[${i}]`, true);
  const shown = (f: string) => /^(method|description|require_api_key|response_mode|segments(\[\d+\].*)?|cors_origins(\[\d+\])?)$/.test(f);
  const corsErrors = error instanceof ApiError ? error.fieldErrors.filter((f) => f.field.startsWith('cors_origins')).map((f) => f.message) : [];
  const rest = isChanged(error) ? [] : otherFieldErrors(error, shown);
  const conflict = error instanceof ConflictError ? error : null;
  const changed = isChanged(error);
  const general = changed ? CHANGED_TEXT : error && !conflict && rest.length === 0 && !(error as { fieldErrors?: unknown[] }).fieldErrors?.length ? errText(error) : null;

  return (
    <form
      className="ps-pub-form"
      aria-label="Route"
      onSubmit={submitWith(submit)}
    >
      <div className="ps-pub-field">
        <label className="ps-pub-label" htmlFor="ps-route-method">
          Method
        </label>
        <select
          id="ps-route-method"
          className={`ps-input${fieldError(error, 'method') ? ' invalid' : ''}`}
          aria-invalid={fieldError(error, 'method') ? true : undefined}
          aria-describedby={fieldError(error, 'method') ? 'ps-route-method-error' : undefined}
          value={form.method}
          onChange={(e) => edit({ method: e.target.value as HttpMethod })}
        >
          {METHODS.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        {fieldError(error, 'method') ? (
          <span className="ps-field-error" id="ps-route-method-error">
            {fieldError(error, 'method')}
          </span>
        ) : null}
      </div>

      <fieldset aria-describedby="ps-route-pattern">
        <legend>Path</legend>
        {form.segments.length === 0 ? <p className="ps-hint">No segments: the route answers on /.</p> : null}
        {form.segments.map((s, i) => {
          const err = segErr(i);
          const n = i + 1;
          return (
            <div key={s.key} className="ps-seg-row" role="group" aria-label={`Segment ${n}`}>
              <select
                className="ps-input"
                aria-label={`Segment ${n} kind`}
                value={s.kind}
                onChange={(e) => editSeg(i, e.target.value === 'static' ? { kind: 'static', value: s.value ?? s.name ?? '' } : { kind: 'variable', name: s.name ?? s.value ?? '', type: s.type ?? 'string' })}
              >
                <option value="static">Static</option>
                <option value="variable">Variable</option>
              </select>
              {s.kind === 'static' ? (
                <input
                  className={`ps-input${err ? ' invalid' : ''}`}
                  aria-label={`Segment ${n} text`}
                  aria-invalid={err ? true : undefined}
                  aria-describedby={err ? `ps-seg-error-${s.key}` : undefined}
                  value={s.value ?? ''}
                  placeholder="users"
                  onChange={(e) => editSeg(i, { value: e.target.value })}
                />
              ) : (
                <input
                  className={`ps-input${err ? ' invalid' : ''}`}
                  aria-label={`Segment ${n} name`}
                  aria-invalid={err ? true : undefined}
                  aria-describedby={err ? `ps-seg-error-${s.key}` : undefined}
                  value={s.name ?? ''}
                  placeholder="id"
                  onChange={(e) => editSeg(i, { name: e.target.value })}
                />
              )}
              {s.kind === 'variable' ? (
                <select className="ps-input" aria-label={`Segment ${n} type`} value={s.type ?? 'string'} onChange={(e) => editSeg(i, { type: e.target.value as Segment['type'] })}>
                  {TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              ) : (
                <span />
              )}
              <span className="ps-seg-actions">
                <button type="button" className="ps-icon-button" aria-label={`Move segment ${n} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                  ↑
                </button>
                <button type="button" className="ps-icon-button" aria-label={`Move segment ${n} down`} disabled={i === form.segments.length - 1} onClick={() => move(i, 1)}>
                  ↓
                </button>
                <button
                  type="button"
                  className="ps-icon-button"
                  aria-label={`Remove segment ${n}`}
                  onClick={(e) => {
                    edit({ segments: form.segments.filter((_, j) => j !== i) });
                    // the button went with its segment: on to the one now in its place, the one before, or + Static
                    const owner = e.currentTarget.closest('form');
                    if (form.segments.length > 1) focusBackTo(`Remove segment ${n}`, `Remove segment ${n - 1}`);
                    else requestAnimationFrame(() => owner?.querySelector<HTMLElement>('.ps-add-static')?.focus());
                  }}
                >
                  ×
                </button>
              </span>
              {err ? (
                <span className="ps-field-error ps-seg-error" id={`ps-seg-error-${s.key}`}>
                  {err}
                </span>
              ) : null}
            </div>
          );
        })}
        <div className="ps-row">
          <button type="button" className="ps-button ps-small ps-add-static" onClick={() => edit({ segments: [...form.segments, withKey({ kind: 'static', value: '' })] })}>
            + Static
          </button>
          <button type="button" className="ps-button ps-small" onClick={() => edit({ segments: [...form.segments, withKey({ kind: 'variable', name: '', type: 'string' })] })}>
            + Variable
          </button>
          <span className="ps-toolbar-spacer" />
          <code id="ps-route-pattern" className="ps-hint" data-testid="route-pattern">
            {form.method} {routePattern(body.segments)}
          </code>
        </div>
        {fieldError(error, 'segments') ? <p className="ps-field-error">{fieldError(error, 'segments')}</p> : null}
      </fieldset>

      <label className="ps-switch">
        <input type="checkbox" checked={form.require_api_key} onChange={(e) => edit({ require_api_key: e.target.checked })} /> Require an API key
      </label>

      <fieldset>
        <legend>Response</legend>
        <label className="ps-switch">
          <input type="radio" name="ps-response-mode" checked={form.response_mode === 'wait'} onChange={() => edit({ response_mode: 'wait' })} /> Wait for the flow and answer with its response
        </label>
        <label className="ps-switch">
          <input type="radio" name="ps-response-mode" checked={form.response_mode === 'async'} onChange={() => edit({ response_mode: 'async' })} /> Answer 202 at once with the run id
        </label>
      </fieldset>

      <div className="ps-pub-field">
        <label className="ps-pub-label" htmlFor="ps-route-description">
          Description
        </label>
        <textarea
          id="ps-route-description"
          className={`ps-input${fieldError(error, 'description') ? ' invalid' : ''}`}
          aria-invalid={fieldError(error, 'description') ? true : undefined}
          aria-describedby={fieldError(error, 'description') ? 'ps-route-description-error' : undefined}
          rows={2}
          value={form.description}
          onChange={(e) => edit({ description: e.target.value })}
        />
        {fieldError(error, 'description') ? (
          <span className="ps-field-error" id="ps-route-description-error">
            {fieldError(error, 'description')}
          </span>
        ) : null}
      </div>

      <div className="ps-pub-field">
        <label className="ps-pub-label" htmlFor="ps-route-cors">
          Browser origins allowed (CORS), one a line
        </label>
        <textarea
          id="ps-route-cors"
          className={`ps-input${corsErrors.length ? ' invalid' : ''}`}
          aria-invalid={corsErrors.length ? true : undefined}
          aria-describedby={corsErrors.length ? 'ps-route-cors-error' : undefined}
          rows={2}
          placeholder="https://app.example.com"
          value={form.cors}
          onChange={(e) => edit({ cors: e.target.value })}
        />
        {corsErrors.length ? (
          <span id="ps-route-cors-error">
            {corsErrors.map((m) => (
              <span key={m} className="ps-field-error">
                {m}
              </span>
            ))}
          </span>
        ) : null}
      </div>

      {conflict ? (
        <div className="ps-pub-alert" role="alert">
          <strong>This route is taken.</strong> {conflict.detail || conflict.fieldErrors[0]?.message}
        </div>
      ) : null}
      {/* a taken route's 409 names the field too ("body: the method and path are taken…"): said once above */}
      {!conflict && (rest.length || general) ? (
        <div className="ps-pub-alert" role="alert" data-testid={changed ? 'route-changed' : undefined}>
          {changed && now ? (
            <>
              {CHANGED_TEXT}{' '}
              <span data-testid="route-now">
                Now: <code>{`${now.method} ${routePattern(now.segments ?? [])}`}</code>
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
          {saving ? 'Saving…' : 'Save route'}
        </button>
        {saved ? (
          <span className="ps-pub-ok" role="status">
            Saved
          </span>
        ) : null}
      </div>
      {props.publications ? (
        <section aria-label="Served routes" className="ps-pub-field">
          <h3 className="ps-pub-label">What the stages serve</h3>
          {props.stages.length === 0 ? <p className="ps-hint">The project has no stages yet.</p> : null}
          {props.stages.map((st) => {
            const p = props.publications!.find((x) => x.stage === st);
            return (
              <div key={st} className="ps-served-stage" data-testid={`stage-route-${st}`}>
                <strong>{st}</strong> {p ? <span className="ps-hint">v{p.version}</span> : <span className="ps-hint">not published: serves nothing</span>}
                <StageRoute stage={st} publication={p} current={load.value} onPublish={props.onPublish} busy={props.busy ?? false} />
              </div>
            );
          })}
        </section>
      ) : null}
      {saved && !props.publications && props.published && Object.keys(props.published).length ? (
        <p className="ps-hint" data-testid="route-republish-hint">
          Stages keep serving the route they were published with ({Object.keys(props.published).join(', ')}); publish again to change it there.
        </p>
      ) : null}

      <section aria-label="Trigger URLs">
        <h3 className="ps-pub-label">Trigger URL</h3>
        {props.stages.length === 0 ? <p className="ps-hint">The project has no stages yet.</p> : null}
        {!props.triggerPattern && props.stages.length ? <p className="ps-hint">This deployment names no trigger URL (triggerUrl in config.json).</p> : null}
        {props.triggerPattern
          ? props.stages.map((st) => {
              const url = triggerUrl(props.triggerPattern, props.slug, st, body.segments) ?? '';
              const v = props.published?.[st];
              return (
                <div key={st} className="ps-pub-url">
                  <span className="ps-chip" title={v ? `version ${v} is published here` : 'not published here'}>
                    {st}
                    {v ? ` · v${v}` : ''}
                  </span>
                  <code data-testid={`trigger-url-${st}`} aria-label={`Trigger URL on ${st}`}>
                    {url}
                  </code>
                  <CopyButton text={url} label={`Copy the ${st} URL`} />
                </div>
              );
            })
          : null}
        {props.triggerPattern && stage ? (
          <>
            <div className="ps-row">
              <label className="ps-pub-label" htmlFor="ps-curl-stage">
                curl on
              </label>
              <select id="ps-curl-stage" className="ps-input" style={{ width: 'auto' }} value={stage} onChange={(e) => setCurlStage(e.target.value)}>
                {props.stages.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
              <span className="ps-toolbar-spacer" />
              <CopyButton
                text={curlExample({ pattern: props.triggerPattern, slug: props.slug, stage, method: body.method, segments: body.segments, requireApiKey: !!body.require_api_key }) ?? ''}
                label="Copy the curl example"
              />
            </div>
            <pre className="ps-pub-pre" data-testid="curl-example" aria-describedby={samples.length ? 'ps-curl-samples' : undefined}>
              {curlExample({ pattern: props.triggerPattern, slug: props.slug, stage, method: body.method, segments: body.segments, requireApiKey: !!body.require_api_key })}
            </pre>
            {samples.length ? (
              <p className="ps-hint" id="ps-curl-samples" data-testid="curl-samples">
                Sample values in the path:{' '}
                {samples.map((v, i) => (
                  <span key={i}>
                    {i ? ', ' : ''}
                    <code>{`{${v.name}}`}</code> = <code>{v.value}</code>
                  </span>
                ))}
                . Put in your own before running it.
              </p>
            ) : null}
          </>
        ) : null}
        {props.published && props.stages.length && !Object.keys(props.published).length ? <p className="ps-hint">Not published yet: publish the flow to a stage to make its URL answer.</p> : null}
      </section>
    </form>
  );
}
