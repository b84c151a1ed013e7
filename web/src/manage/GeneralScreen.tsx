// General project settings: the name, the slug (it names the trigger hosts, so changing it
// moves every published route to new addresses; checked for availability as it is typed) and
// the private network access of the project's flows (admins only), and what a role in the
// user's AWS account must trust for the project's AWS nodes to act as it (AwsAccess).
// Each change sends the project's etag as If-Match: when someone changed the project since it
// was read (412), nothing is written, what was typed stays, the project is read again and the
// form says so with what it is now.

import { useEffect, useRef, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { Project, Role, Stage } from '../api/types';
import { stageBaseUrl } from '../publish/trigger';
import { AwsAccess } from './AwsAccess';
import { can } from './roles';
import { ConfirmButton, errText, isChanged, FieldMessage, fieldError, formError, invalidProps, LoadState, Screen, useLoad } from './common';
import './manage.css';

/** The longest slug the API takes (it is part of a DNS label with the stage). */
export const SLUG_MAX = 40;
const SLUG_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
export const SLUG_RULE = `Lowercase letters, digits and hyphens, at most ${SLUG_MAX}, starting and ending with a letter or digit.`;

/** Why a slug is refused before asking the API (the same rules as the API's), or null. */
export function slugProblem(s: string): string | null {
  if (!s) return 'Give the project a slug.';
  if (s.length > SLUG_MAX) return `At most ${SLUG_MAX} characters (this one has ${s.length}).`;
  if (!SLUG_RE.test(s)) return SLUG_RULE;
  if (s.includes('--')) return 'No two hyphens in a row.';
  return null;
}

/**
 * The root address of each stage before and after a slug change, from the deployment's
 * trigger URL pattern; without a pattern, the host shape with the domain left open.
 */
export function movedHosts(pattern: string | undefined, from: string, to: string, stages: readonly string[]): { stage: string; from: string; to: string }[] {
  const list = stages.length ? stages : ['{stage}'];
  return list.map((stage) => ({
    stage,
    from: stageBaseUrl(pattern, from, stage) ?? `${from}-${stage}.<domain>`,
    to: stageBaseUrl(pattern, to, stage) ?? `${to}-${stage}.<domain>`,
  }));
}

type Availability = { state: 'idle' } | { state: 'checking' } | { state: 'free' } | { state: 'taken' } | { state: 'invalid'; message: string } | { state: 'unknown' };

/** Asks the API whether a slug is free while it is typed (debounced; stale answers dropped). */
function useSlugAvailability(api: ApiClient, slug: string, current: string, enabled: boolean): Availability {
  const [a, setA] = useState<Availability>({ state: 'idle' });
  useEffect(() => {
    if (!enabled || slug === current || slugProblem(slug)) {
      setA({ state: 'idle' });
      return;
    }
    let live = true;
    setA({ state: 'checking' });
    const t = setTimeout(() => {
      api.checkProjectSlug({ slug }).then(
        (r) => live && setA({ state: r.available ? 'free' : 'taken' }),
        (e: unknown) => {
          if (!live) return;
          const m = fieldError(e, 'query.slug', 'slug');
          setA(m ? { state: 'invalid', message: m } : { state: 'unknown' });
        },
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, slug, current, enabled]);
  return a;
}

function NameForm({ project, editable, onSave }: { project: Project; editable: boolean; onSave(name: string): Promise<void> }) {
  const [name, setName] = useState(project.name);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const input = useRef<HTMLInputElement>(null);
  // refused because the project changed: the keyboard goes back to the name, kept as typed
  useEffect(() => {
    if (isChanged(error)) input.current?.focus();
  }, [error]);
  const trimmed = name.trim();
  const problem = editable && !trimmed ? 'Give the project a name.' : trimmed.length > 100 ? 'At most 100 characters.' : undefined;
  const msg = problem ?? fieldError(error, 'name');
  return (
    <form
      className="ps-m-form"
      aria-label="Project name"
      onSubmit={(e) => {
        e.preventDefault();
        if (!editable || problem || trimmed === project.name) return;
        setBusy(true);
        setError(null);
        setStatus('');
        onSave(trimmed)
          .then(() => setStatus('Renamed.'), setError)
          .finally(() => setBusy(false));
      }}
    >
      <div className="ps-m-field ps-m-grow">
        <label htmlFor="project-name">Name</label>
        <input
          {...invalidProps('project-name', msg)}
          ref={input}
          id="project-name"
          value={name}
          readOnly={!editable}
          maxLength={100}
          autoComplete="off"
          onChange={(e) => {
            setName(e.target.value);
            setStatus('');
          }}
        />
        <FieldMessage id="project-name" message={msg} />
        {isChanged(error) ? (
          <span className="ps-hint" data-testid="project-name-now">
            Now: {project.name}
          </span>
        ) : null}
      </div>
      {editable ? (
        <div className="ps-m-submit">
          <button type="submit" className="ps-button ps-primary" disabled={busy || !!problem || trimmed === project.name}>
            {busy ? 'Saving…' : 'Rename'}
          </button>
        </div>
      ) : null}
      <p className="ps-hint ps-m-full" role="status" aria-live="polite">
        {status}
      </p>
      {formError(error, ['name']) ? (
        <p className="ps-field-error ps-m-form-error" role="alert">
          {formError(error, ['name'])}
        </p>
      ) : null}
    </form>
  );
}

function SlugForm({
  api,
  project,
  stages,
  triggerPattern,
  editable,
  onSave,
}: {
  api: ApiClient;
  project: Project;
  stages: string[];
  triggerPattern: string | undefined;
  editable: boolean;
  onSave(slug: string): Promise<void>;
}) {
  const [slug, setSlug] = useState(project.slug);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const input = useRef<HTMLInputElement>(null);
  /** Whether the last confirmed change was refused (the keyboard then stays in the slug). */
  const failed = useRef(false);
  const problem = editable ? slugProblem(slug) : null;
  const availability = useSlugAvailability(api, slug, project.slug, editable);
  const taken = error instanceof ApiError && error.status === 409;
  const msg =
    problem ??
    (taken ? 'Another project uses this slug; choose another.' : undefined) ??
    fieldError(error, 'slug') ??
    (availability.state === 'taken' ? 'Another project uses this slug; choose another.' : availability.state === 'invalid' ? availability.message : undefined);
  const changed = slug !== project.slug;
  const ready = editable && changed && !msg;
  const hosts = movedHosts(triggerPattern, project.slug, slug, stages);
  return (
    <form className="ps-m-form" aria-label="Project slug" onSubmit={(e) => e.preventDefault()}>
      <div className="ps-m-field ps-m-grow">
        <label htmlFor="project-slug">Slug</label>
        <input
          ref={input}
          {...invalidProps('project-slug', msg)}
          id="project-slug"
          className={`${invalidProps('project-slug', msg).className} ps-mono`}
          value={slug}
          readOnly={!editable}
          maxLength={SLUG_MAX}
          spellCheck={false}
          autoComplete="off"
          aria-describedby={msg ? 'project-slug-error project-slug-rule' : 'project-slug-rule'}
          onChange={(e) => {
            // typed capitals become lowercase; anything else the rule refuses is shown
            setSlug(e.target.value.toLowerCase());
            setError(null);
            setStatus('');
          }}
        />
        <span className="ps-hint" id="project-slug-rule">
          {SLUG_RULE} It names the trigger hosts: <span className="ps-mono">{`{slug}-{stage}`}</span>.
        </span>
        <FieldMessage id="project-slug" message={msg} />
        {editable && changed && !msg ? (
          <span className="ps-hint" role="status" aria-live="polite">
            {availability.state === 'checking' ? 'Checking whether it is free…' : availability.state === 'free' ? '✓ This slug is free.' : availability.state === 'unknown' ? 'Could not check whether it is free.' : ''}
          </span>
        ) : null}
      </div>
      {ready ? (
        <div className="ps-m-submit">
          <ConfirmButton
            label="Change slug"
            small={false}
            question={
              <>
                Change the slug to <strong className="ps-mono">{slug}</strong>? The old trigger addresses stop answering at once.
              </>
            }
            // a refusal put the keyboard in the slug: the confirmation, gone with it, leaves it there
            focusAfter={() => (failed.current ? input.current : null)}
            onConfirm={async () => {
              setStatus('');
              failed.current = false;
              try {
                await onSave(slug);
                setError(null);
                setStatus('Slug changed.');
              } catch (e) {
                failed.current = true;
                setError(e);
                setTimeout(() => input.current?.focus(), 0);
              }
            }}
          />
        </div>
      ) : null}
      {editable && changed && !problem ? (
        <div className="ps-m-moved ps-m-full" role="note" aria-label="Trigger addresses change">
          <p>Changing the slug changes every trigger address of this project. Callers of the old addresses must be updated:</p>
          <ul>
            {hosts.map((h) => (
              <li key={h.stage}>
                <span className="ps-mono">{h.from}</span> → <span className="ps-mono">{h.to}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <p className="ps-hint ps-m-full" role="status" aria-live="polite">
        {status}
      </p>
      {formError(error, ['slug']) && !taken ? (
        <p className="ps-field-error ps-m-form-error" role="alert">
          {formError(error, ['slug'])}
        </p>
      ) : null}
    </form>
  );
}

function PrivateNetwork({ project, editable, onSave }: { project: Project; editable: boolean; onSave(on: boolean): Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  /** Counts the answered changes: the switch, off while it waited, gets the keyboard back after each. */
  const [answered, setAnswered] = useState(0);
  const sw = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (answered) sw.current?.focus();
  }, [answered]);
  const on = project.allow_private_network === true;
  return (
    <section className="ps-m-form ps-m-column" aria-labelledby="private-network-title">
      <h2 id="private-network-title">Private network access</h2>
      <p className="ps-hint" id="private-network-help">
        Flows cannot reach loopback (127.0.0.1, ::1), private (10.x, 172.16–31.x, 192.168.x, fc00::/7), link-local (169.254.x, fe80::) or cloud metadata addresses, so a flow
        cannot be used to look inside the network it runs in. With this on, the HTTP, AI, vector store, MCP and e-mail nodes of this project may reach them, and only a node
        whose own <span className="ps-mono">allow_private_network</span> input is on as well. Turn it on only for projects that must call services on your own network.
      </p>
      <label className="ps-switch">
        <input
          ref={sw}
          type="checkbox"
          role="switch"
          checked={on}
          disabled={!editable || busy}
          aria-describedby="private-network-help"
          onChange={(e) => {
            const next = e.target.checked;
            setBusy(true);
            setError(null);
            setStatus('');
            onSave(next)
              .then(
                () => setStatus(next ? 'Private network access is on.' : 'Private network access is off.'),
                (err: unknown) => setError(errText(err)),
              )
              .finally(() => {
                setBusy(false);
                setAnswered((n) => n + 1);
              });
          }}
        />
        Allow this project&apos;s flows to reach private networks
        <span className={`ps-m-badge ${on ? 'warn' : 'off'}`} aria-hidden>
          {on ? 'On' : 'Off'}
        </span>
      </label>
      {editable ? null : (
        <p className="ps-m-note" role="note">
          Only admins can change private network access.
        </p>
      )}
      <p className="ps-hint" role="status" aria-live="polite">
        {busy ? 'Saving…' : status}
      </p>
      {error ? (
        <p className="ps-field-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}

/** The General settings of a project; onChanged hears each change the API confirmed. */
export function GeneralScreen({
  api,
  project,
  role,
  triggerPattern,
  onChanged,
}: {
  api: ApiClient;
  project: string;
  role: Role | null;
  triggerPattern?: string | undefined;
  onChanged?: (p: Project) => void;
}) {
  const [load, reload, set] = useLoad(
    () =>
      Promise.all([
        api.getProject(project),
        // the stages only name the addresses a slug change moves; without them the shape is shown
        api.listStages(project).catch((): Stage[] => []),
      ]).then(([p, stages]) => ({ project: p, stages: [...stages].sort((a, b) => a.position - b.position).map((s) => s.name) })),
    [api, project],
  );
  const update = can(role, 'project.update');
  const network = can(role, 'project.network');
  const save = async (input: { name?: string; slug?: string; allow_private_network?: boolean }) => {
    let p: Project;
    try {
      p = await api.updateProject(project, input, load.status === 'ready' ? load.value.project.etag : undefined);
    } catch (e) {
      // changed since it was read: read it again in place (the forms keep what was typed)
      if (isChanged(e))
        await api.getProject(project).then(
          (now) => set((v) => ({ ...v, project: now })),
          () => {},
        );
      throw e;
    }
    // only GET project answers aws_trust: the one read is kept
    set((v) => ({ ...v, project: { ...p, aws_trust: p.aws_trust ?? v.project.aws_trust } }));
    onChanged?.(p);
  };
  return (
    <Screen
      title="General"
      intro="The project's name, the slug its trigger addresses are made of, and what its flows may reach."
      readOnly={update ? null : 'Only editors and admins can change the project.'}
    >
      <LoadState load={load} what="the project" retry={reload} />
      {load.status === 'ready' ? (
        <>
          <NameForm project={load.value.project} editable={update} onSave={(name) => save({ name })} />
          <SlugForm
            api={api}
            project={load.value.project}
            stages={load.value.stages}
            triggerPattern={triggerPattern}
            editable={update}
            onSave={(slug) => save({ slug })}
          />
          <PrivateNetwork project={load.value.project} editable={network} onSave={(on) => save({ allow_private_network: on })} />
          <AwsAccess trust={load.value.project.aws_trust} />
          <p className="ps-hint">
            Project ID <span className="ps-mono">{load.value.project.id}</span>
          </p>
        </>
      ) : null}
    </Screen>
  );
}
