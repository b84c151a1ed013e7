// Projects: the list with create, rename and move to trash; the trash with restore.

import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { ApiError } from '../api/client';
import { fieldError, formError } from '../manage/common';
import { slugProblem } from '../manage/GeneralScreen';
import { can } from '../manage/roles';
import type { Project } from '../api/types';
import { useShell } from './context';
import { Invitations } from './Invitations';
import { createProjectsStore, type Load, suggestSlug } from './projects';
import { navigate } from './router';
import { routePath } from './routes';

const sentence = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/**
 * What the API's refusal says, as the editor says it elsewhere: a field of the body by its
 * name ("body.name: is taken" → "Name is taken"); what the address names (the project itself,
 * path.project) by the problem's own sentence ("Project not found"), never "path.project: …";
 * no answer at all as that.
 */
export function errText(e: unknown): string {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
  if (e.isNetwork) return 'The API could not be reached.';
  const said = sentence(e.detail || e.title);
  const parts: string[] = [];
  for (const f of e.fieldErrors) {
    // the client gives body fields without "body."; path., query. and header. are the address's
    const body = f.field && !/^(path|query|header)\./.test(f.field);
    const text = body ? `${sentence(f.field.split('.').pop()!.replace(/_/g, ' '))} ${f.message}` : said;
    if (!parts.includes(text)) parts.push(text);
  }
  return parts.length ? parts.join('; ') : said;
}

function ListState({ load, empty, retry }: { load: Load<Project>; empty: string; retry(): void }) {
  if (load.status === 'idle' || load.status === 'loading')
    return (
      <div className="ps-empty" role="status">
        <div className="ps-spinner" aria-hidden /> Loading…
      </div>
    );
  if (load.status === 'error')
    return (
      <div className="ps-empty" role="alert">
        <p className="ps-field-error">{load.message}</p>
        <button type="button" className="ps-button" onClick={retry}>
          Try again
        </button>
      </div>
    );
  if (load.items.length === 0) return <p className="ps-empty">{empty}</p>;
  return null;
}

function CreateProject({ onCreate }: { onCreate(name: string, slug: string): Promise<void> }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // the slug is checked here once typed or sent (the API's rules), and the API's answer per field
  const [tried, setTried] = useState(false);
  const shownSlug = slugEdited ? slug : suggestSlug(name);
  const slugLocal = (slugEdited || tried) && (name.trim() || slugEdited) ? slugProblem(shownSlug) : null;
  // the API words a field's problem after its name ("is taken"): said with the field's name
  const named = (label: string, m: string | undefined) => (m && /^[a-z]/.test(m) && !m.toLowerCase().startsWith(label.toLowerCase()) ? `${label} ${m}` : m);
  const nameMsg = (tried && !name.trim() ? 'Give the project a name.' : null) ?? named('Name', fieldError(error, 'body.name', 'name'));
  const slugMsg = slugLocal ?? named('Slug', fieldError(error, 'body.slug', 'slug'));
  const rest = formError(error, ['body.name', 'name', 'body.slug', 'slug']);
  const id = useId();
  return (
    <form
      className="ps-create-form ps-create-fields"
      aria-label="New project"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setTried(true);
        setError(null);
        if (!name.trim() || slugProblem(shownSlug)) return;
        setBusy(true);
        setError(null);
        onCreate(name.trim(), shownSlug)
          .then(() => {
            setName('');
            setSlug('');
            setSlugEdited(false);
            setTried(false);
          })
          .catch((err: unknown) => setError(err))
          .finally(() => setBusy(false));
      }}
    >
      <div className="ps-create-field">
        <label>
          Name
          <input
            className={`ps-input${nameMsg ? ' invalid' : ''}`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="My project"
            aria-invalid={nameMsg ? true : undefined}
            aria-describedby={nameMsg ? `${id}-name-error` : undefined}
          />
        </label>
        {nameMsg ? (
          <span id={`${id}-name-error`} className="ps-field-error">
            {nameMsg}
          </span>
        ) : null}
      </div>
      <div className="ps-create-field">
        <label>
          Slug
          <input
            className={`ps-input${slugMsg ? ' invalid' : ''}`}
            value={shownSlug}
            onChange={(e) => {
              setSlugEdited(true);
              setSlug(e.target.value);
            }}
            placeholder="my-project"
            aria-invalid={slugMsg ? true : undefined}
            aria-describedby={`${slugMsg ? `${id}-slug-error ` : ''}${id}-slug-help`}
          />
        </label>
        {slugMsg ? (
          <span id={`${id}-slug-error`} className="ps-field-error">
            {slugMsg}
          </span>
        ) : null}
        <span id={`${id}-slug-help`} className="ps-hint">
          Names the project in its trigger addresses ({shownSlug && !slugProblem(shownSlug) ? shownSlug : 'slug'}-{'{stage}'}.…): unique, changeable later under General.
        </span>
      </div>
      <button type="submit" className="ps-button ps-primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create project'}
      </button>
      {rest ? (
        <p className="ps-field-error" role="alert">
          {rest}
        </p>
      ) : null}
    </form>
  );
}

/** A project of the list; onRename and onTrash are absent for a member whose role may not. */
function ProjectRow({ p, onRename, onTrash }: { p: Project; onRename?: ((name: string) => Promise<unknown>) | undefined; onTrash?: (() => Promise<void>) | undefined }) {
  const [editing, setEditing] = useState(false);
  // moving to the trash stops the project's routes and schedules: asked first
  const [confirming, setConfirming] = useState(false);
  const [name, setName] = useState(p.name);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();
  const renameButton = useRef<HTMLButtonElement>(null);
  // true when it worked: a refused rename keeps the form (and what was typed) open with why
  const run = (f: () => Promise<unknown>) =>
    f().then(
      () => (setError(null), true),
      (e: unknown) => (setError(errText(e)), false),
    );
  const stopEditing = () => {
    setEditing(false);
    setError(null);
    // the form goes: the focus goes back to Rename
    requestAnimationFrame(() => renameButton.current?.focus());
  };
  return (
    <li className="ps-project-row">
      {editing ? (
        <form
          className="ps-row"
          onSubmit={(e) => {
            e.preventDefault();
            if (!name.trim()) return setError('Give the project a name.');
            void run(() => onRename!(name.trim())).then((ok) => ok && stopEditing());
          }}
        >
          <input
            className={`ps-input${error ? ' invalid' : ''}`}
            aria-label="Project name"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            value={name}
            autoFocus
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && stopEditing()}
          />
          <button type="submit" className="ps-button ps-small ps-primary">
            Save
          </button>
          <button type="button" className="ps-button ps-small" onClick={stopEditing}>
            Cancel
          </button>
        </form>
      ) : (
        <a
          className="ps-project-link"
          href={routePath({ name: 'project', project: p.id })}
          onClick={(e) => {
            e.preventDefault();
            navigate(routePath({ name: 'project', project: p.id }));
          }}
        >
          <strong>{p.name}</strong> <span className="ps-hint">{p.slug}</span>
        </a>
      )}
      <span className="ps-toolbar-spacer" />
      {!editing && !confirming && onRename ? (
        <button type="button" className="ps-button ps-small" ref={renameButton} onClick={() => (setName(p.name), setEditing(true))}>
          Rename
        </button>
      ) : null}
      {!editing && !confirming && onTrash ? (
        <button type="button" className="ps-button ps-small" onClick={() => setConfirming(true)}>
          Move to trash
        </button>
      ) : null}
      {confirming && onTrash ? (
        <div className="ps-row" role="group" aria-label={`Confirm: Move ${p.name} to the trash`}>
          <span>Its routes and schedules stop serving until it is restored.</span>
          <button type="button" className="ps-button ps-small ps-danger" onClick={() => void run(onTrash).then((ok) => ok && setConfirming(false))}>
            Move “{p.name}” to the trash
          </button>
          <button type="button" className="ps-button ps-small" autoFocus onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : null}
      {error ? (
        <span className="ps-field-error" id={errorId} role="alert">
          {error}
        </span>
      ) : null}
    </li>
  );
}

export function ProjectsScreen({ trash }: { trash: boolean }) {
  const { api, tenant, role } = useShell();
  // what the member's role allows (the API refuses the rest): viewers only look
  const create = can(role, 'project.create');
  const rename = can(role, 'project.update');
  const trashes = can(role, 'project.trash');
  const store = useMemo(() => createProjectsStore(api), [api, tenant]);
  const projects = useStore(store, (s) => s.projects);
  const trashed = useStore(store, (s) => s.trash);
  const [restoreError, setRestoreError] = useState<string | null>(null);

  useEffect(() => {
    void (trash ? store.getState().loadTrash() : store.getState().load());
  }, [store, trash]);

  if (trash)
    return (
      <section className="ps-page" aria-label="Trash">
        <div className="ps-row">
          <h1>Trash</h1>
          <span className="ps-toolbar-spacer" />
          <button type="button" className="ps-button" onClick={() => navigate('/')}>
            Back to projects
          </button>
        </div>
        <p className="ps-hint">Projects in the trash stop serving their routes and schedules. Restore brings one back as it was.</p>
        <ListState load={trashed} empty="The trash is empty." retry={() => void store.getState().loadTrash()} />
        {restoreError ? (
          <p className="ps-field-error" role="alert">
            {restoreError}
          </p>
        ) : null}
        {trashed.status === 'ready' && trashed.items.length ? (
          <ul className="ps-project-list">
            {trashed.items.map((p) => (
              <li key={p.id} className="ps-project-row">
                <strong>{p.name}</strong> <span className="ps-hint">{p.trashed_at ? `trashed ${new Date(p.trashed_at).toLocaleString()}` : ''}</span>
                <span className="ps-toolbar-spacer" />
                <button
                  type="button"
                  className="ps-button ps-small"
                  onClick={() =>
                    void store
                      .getState()
                      .restore(p.id)
                      .then(() => setRestoreError(null), (e: unknown) => setRestoreError(errText(e)))
                  }
                >
                  Restore
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    );

  return (
    <>
      <section className="ps-page" aria-label="Projects">
        <div className="ps-row">
          <h1>Projects</h1>
          <span className="ps-toolbar-spacer" />
          {trashes ? (
            <button type="button" className="ps-button" onClick={() => navigate('/trash')}>
              Trash
            </button>
          ) : null}
        </div>
        {create ? (
          <CreateProject
            onCreate={async (name, slug) => {
              const p = await store.getState().create(name, slug || undefined);
              navigate(routePath({ name: 'project', project: p.id }));
            }}
          />
        ) : (
          <p className="ps-hint" role="note">
            You are a {role ?? 'member'} in this workspace: you can open its projects and look at their flows and runs. An editor or admin creates and changes them.
          </p>
        )}
        <ListState
          load={projects}
          empty={create ? 'No projects yet — create the first one above.' : 'No projects yet — an editor or admin of this workspace creates them.'}
          retry={() => void store.getState().load()}
        />
        {projects.status === 'ready' && projects.items.length ? (
          <ul className="ps-project-list">
            {projects.items.map((p) => (
              <ProjectRow
                key={p.id}
                p={p}
                onRename={rename ? (name) => store.getState().rename(p.id, name) : undefined}
                onTrash={trashes ? () => store.getState().moveToTrash(p.id) : undefined}
              />
            ))}
          </ul>
        ) : null}
      </section>
      {/* the invitations to the person, whichever workspace they are in */}
      <Invitations />
    </>
  );
}
