// The workspace's (tenant's) own settings, /workspace: its name, which admins change, and
// leaving it, which every member may do but its last admin (the API refuses them with 409 and
// says why; the screen says so before, from the members list, and still shows a refusal).
// A rename sends the tag of the tenant last read as If-Match: when someone renamed it since
// (412), nothing is written, what was typed stays, the tenant is read again and the form says
// so with its name now. Renames and leaving are told to the shell (onRenamed, onLeft), which
// updates the top bar and the switcher, and after leaving opens another workspace.

import { useEffect, useId, useRef, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { Member, Role, Tenant } from '../api/types';
import { useShell } from '../shell/context';
import { navigate } from '../shell/router';
import { routePath } from '../shell/routes';
import { Modal } from '../ui/Modal';
import { collectPages } from './ApiKeysScreen';
import { can } from './roles';
import { errText, FieldMessage, formError, invalidProps, isChanged, LoadState, Screen, useLoad, useServerError } from './common';
import './manage.css';
import './workspace.css';

/** The longest workspace name the API takes, in characters (code points). */
export const WORKSPACE_NAME_MAX = 100;

/** Zero-width and text-direction characters the API refuses in names (store.Deceptive). */
function deceptive(c: number): boolean {
  return c === 0x200b || c === 0x2060 || c === 0xfeff || c === 0x180e || c === 0x200e || c === 0x200f || c === 0x061c || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/**
 * Why a workspace name is refused before asking the API, or null: the API's rules
 * (shared/api checkName) on the name as it is sent, without surrounding spaces.
 */
export function workspaceNameProblem(typed: string): string | null {
  const name = typed.trim();
  if (!name) return 'Give the workspace a name.';
  const n = [...name].length;
  if (n > WORKSPACE_NAME_MAX) return `At most ${WORKSPACE_NAME_MAX} characters (this one has ${n}).`;
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return 'No control characters such as tabs or line breaks.';
    if (deceptive(c)) return `No invisible or text-direction characters (this one has U+${c.toString(16).toUpperCase().padStart(4, '0')}).`;
  }
  return null;
}

const sentence = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** What the API said, in its own words, as a sentence. */
function said(e: unknown): string {
  if (!(e instanceof ApiError) || e.isNetwork) return errText(e);
  const text = sentence(e.detail || e.title);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function NameForm({ tenant, onSave }: { tenant: Tenant; onSave(name: string): Promise<void> }) {
  const [name, setName] = useState(tenant.name);
  const server = useServerError();
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const input = useRef<HTMLInputElement>(null);
  // refused because the workspace changed: the keyboard goes back to the name, kept as typed
  useEffect(() => {
    if (isChanged(server.error)) input.current?.focus();
  }, [server.error]);
  const trimmed = name.trim();
  const problem = workspaceNameProblem(name) ?? undefined;
  // the API words a field's problem after its name ("must not be empty")
  const fromApi = server.field('name');
  const msg = problem ?? (fromApi && /^[a-z]/.test(fromApi) ? `Name ${fromApi}` : fromApi);
  const rest = formError(server.error, ['name']);
  return (
    <form
      className="ps-m-form"
      aria-label="Workspace name"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (problem || trimmed === tenant.name || busy) return;
        setBusy(true);
        server.set(null);
        setStatus('');
        onSave(trimmed)
          .then(
            () => setStatus('Renamed.'),
            (err: unknown) => server.set(err),
          )
          .finally(() => setBusy(false));
      }}
    >
      <div className="ps-m-field ps-m-grow">
        <label htmlFor="workspace-name">Name</label>
        <input
          {...invalidProps('workspace-name', msg, 'workspace-name-help')}
          ref={input}
          id="workspace-name"
          value={name}
          autoComplete="off"
          onChange={(e) => {
            setName(e.target.value);
            setStatus('');
            server.edited('name');
          }}
        />
        <span className="ps-hint" id="workspace-name-help">
          At most {WORKSPACE_NAME_MAX} characters. Every member sees it in the workspace switcher and on invitations.
        </span>
        <FieldMessage id="workspace-name" message={msg} />
        {isChanged(server.error) ? (
          <span className="ps-hint" data-testid="workspace-name-now">
            Now: “{tenant.name}”
          </span>
        ) : null}
      </div>
      <div className="ps-m-submit">
        <button type="submit" className="ps-button ps-primary" disabled={busy || !!problem || trimmed === tenant.name}>
          {busy ? 'Saving…' : 'Rename'}
        </button>
      </div>
      <p className="ps-hint ps-m-full" role="status" aria-live="polite">
        {status}
      </p>
      {rest ? (
        <p className="ps-field-error ps-m-form-error" role="alert">
          {rest}
        </p>
      ) : null}
    </form>
  );
}

/**
 * Asks before leaving: names the workspace and what leaving does. The focus starts on Cancel
 * (Escape cancels too) and goes back to the Leave button when the dialog closes; a refusal is
 * said in the dialog in the API's words.
 */
function LeaveDialog({ name, onLeave, onClose }: { name: string; onLeave(): Promise<void>; onClose(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; final: boolean } | null>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const leave = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  // refused: the keyboard goes to Close when leaving cannot work as things are (the last admin),
  // else back to Leave, which lost it while it waited disabled
  useEffect(() => {
    if (error) (error.final ? cancel : leave).current?.focus();
  }, [error]);
  return (
    <Modal labelledBy={titleId} className="ps-ws-dialog" initialFocus={cancel} {...(busy ? {} : { onClose })}>
      <h2 id={titleId}>Leave “{name}”?</h2>
      <p>
        You lose access to every project of <strong>{name}</strong> at once: its flows, runs, secrets and settings. What you made there stays with the workspace. To come back, an admin
        has to invite you again.
      </p>
      {error ? (
        <p className="ps-field-error" role="alert">
          {error.text}
        </p>
      ) : null}
      <div className="ps-row ps-ws-dialog-actions">
        {error?.final ? null : (
          <button
            ref={leave}
            type="button"
            className="ps-button ps-danger ps-m-danger-solid"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              setError(null);
              onLeave().catch((e: unknown) => {
                setBusy(false);
                setError({ text: said(e), final: e instanceof ApiError && e.status === 409 });
              });
            }}
          >
            {busy ? 'Leaving…' : 'Leave workspace'}
          </button>
        )}
        <button ref={cancel} type="button" className="ps-button" disabled={busy} onClick={onClose}>
          {error?.final ? 'Close' : 'Cancel'}
        </button>
      </div>
    </Modal>
  );
}

interface Data {
  tenant: Tenant;
  /** The members, to tell whether the person is the last admin (null: could not be read). */
  members: Member[] | null;
}

const article = (role: string) => (/^[aeiou]/.test(role) ? 'an' : 'a');

/** The workspace's settings: its name (admins rename it) and leaving it. */
export function WorkspaceScreen({
  api,
  role,
  me,
  onRenamed,
  onLeft,
}: {
  api: ApiClient;
  /** The person's role as the shell knows it; the tenant read here says it as it is now. */
  role: Role | null;
  /** The person's subject (to find them among the members). */
  me?: string | undefined;
  onRenamed?: ((name: string) => void) | undefined;
  /** Called once the person left (the API answered, or they were no longer a member). */
  onLeft?: ((name: string) => void) | undefined;
}) {
  const readMembers = () => collectPages((cursor) => api.listMembers({ limit: 100, cursor }));
  const [load, reload, set] = useLoad<Data>(async () => {
    const [tenant, members] = await Promise.all([api.getTenant(), readMembers().catch(() => null)]);
    return { tenant, members };
  }, [api]);
  const [asking, setAsking] = useState(false);
  const leaveButton = useRef<HTMLButtonElement>(null);

  if (load.status !== 'ready')
    return (
      <Screen title="Workspace settings" intro="The workspace's name, and leaving it.">
        <LoadState load={load} what="the workspace" retry={reload} />
      </Screen>
    );

  const { tenant, members } = load.value;
  const ownRole = (tenant.role as Role) || role;
  const rename = can(ownRole, 'members.manage');
  const lastAdmin = ownRole === 'admin' && members !== null && !members.some((m) => m.role === 'admin' && m.sub !== me);

  const save = async (name: string) => {
    let now: Tenant;
    try {
      now = await api.renameTenant(name, tenant.etag);
    } catch (e) {
      // renamed by someone else since it was read: read again in place (the form keeps what was typed)
      if (isChanged(e))
        await api.getTenant().then(
          (t) => {
            set((v) => ({ ...v, tenant: t }));
            onRenamed?.(t.name);
          },
          () => {},
        );
      throw e;
    }
    set((v) => ({ ...v, tenant: now }));
    onRenamed?.(now.name);
  };

  const leave = async () => {
    try {
      await api.leaveTenant();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409)
        // the last admin: the members as they are now say so on the screen once the dialog closes
        void readMembers().then(
          (list) => set((v) => ({ ...v, members: list })),
          () => {},
        );
      // no longer a member anyway (removed meanwhile): as good as left
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
    onLeft?.(tenant.name);
  };

  const membersHref = routePath({ name: 'members' });
  return (
    <Screen
      title="Workspace settings"
      intro={
        <>
          The name of <strong>{tenant.name}</strong>, and leaving it. Who belongs to it and with which role is on{' '}
          <a
            href={membersHref}
            className="ps-link"
            onClick={(e) => {
              e.preventDefault();
              navigate(membersHref);
            }}
          >
            Members
          </a>
          .
        </>
      }
    >
      {rename ? (
        <NameForm key={tenant.id} tenant={tenant} onSave={save} />
      ) : (
        <section className="ps-m-form ps-m-column" aria-labelledby="workspace-name-title">
          <h2 id="workspace-name-title">Name</h2>
          <p className="ps-ws-name">
            <strong>{tenant.name}</strong>
          </p>
          <p className="ps-m-note" role="note">
            Only admins can rename the workspace.
          </p>
        </section>
      )}
      <section className="ps-m-form ps-m-column ps-ws-leave" aria-labelledby="workspace-leave-title">
        <h2 id="workspace-leave-title" tabIndex={-1}>
          Leave this workspace
        </h2>
        <p>
          You are {article(ownRole ?? 'member')} {ownRole ?? 'member'} in <strong>{tenant.name}</strong>. Leaving takes away your access to its projects at once; an admin can invite you
          again.
        </p>
        {lastAdmin ? (
          <p className="ps-m-note" role="note">
            You are the only admin of {tenant.name}, so you cannot leave it: first make another member admin on{' '}
            <a
              href={membersHref}
              className="ps-link"
              onClick={(e) => {
                e.preventDefault();
                navigate(membersHref);
              }}
            >
              Members
            </a>
            .
          </p>
        ) : (
          <div>
            <button ref={leaveButton} type="button" className="ps-button ps-danger" onClick={() => setAsking(true)}>
              Leave workspace
            </button>
          </div>
        )}
      </section>
      {asking ? (
        <LeaveDialog
          name={tenant.name}
          onLeave={leave}
          onClose={() => {
            setAsking(false);
            // the Modal gives the focus back to Leave; gone (the last admin now), to the section's heading
            setTimeout(() => {
              if (!leaveButton.current?.isConnected) document.getElementById('workspace-leave-title')?.focus();
            }, 0);
          }}
        />
      ) : null}
    </Screen>
  );
}

/** The workspace settings as a page of the shell (/workspace). */
export function WorkspacePage() {
  const { api, role, sub, tenant, renamedTenant, leftTenant } = useShell();
  return (
    <WorkspaceScreen
      api={api}
      role={role ?? null}
      me={sub}
      onRenamed={(name) => renamedTenant?.(tenant, name)}
      onLeft={(name) => leftTenant?.(tenant, name)}
    />
  );
}
