// Members of the workspace (tenant): who has which role, pending invitations, and for admins
// invite by e-mail, change roles, remove members and withdraw invitations. The API keeps at
// least one admin; its refusal is shown as it words it. A role change or removal sends the
// member's etag as If-Match: when someone changed the member since it was read (412), nothing
// is written, the member is read again, and the screen says so at the member. Withdrawing an
// invitation, and inviting an address with a pending invitation again (which replaces it), send
// that invitation's etag: on 412 the invitation is read again, what was typed stays, and the
// screen says so.

import { useEffect, useRef, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { Invitation, Member, Role } from '../api/types';
import { collectPages } from './ApiKeysScreen';
import { can } from './roles';
import { CHANGED_TEXT, ConfirmButton, errText, isChanged, FieldMessage, formError, invalidProps, LoadState, Screen, useLoad, useServerError, when } from './common';
import './manage.css';

const ROLES: { role: Role; what: string }[] = [
  { role: 'viewer', what: 'sees flows, runs and variables' },
  { role: 'editor', what: 'also edits, runs and publishes flows and reads secrets' },
  { role: 'admin', what: 'also manages stages, secrets, API keys and members' },
];

interface Data {
  members: Member[];
  invitations: Invitation[];
}

/** Why an address to invite is refused before asking the API, or null. */
function emailProblem(m: string): string | null {
  if (!m) return 'Enter an e-mail address.';
  if (!/^[^\s@]+@[^\s@]+$/.test(m)) return `"${m}" is not an e-mail address (like someone@example.com).`;
  return null;
}

function Invite({ onInvite }: { onInvite(email: string, role: Role): Promise<void> }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [problem, setProblem] = useState<string | null>(null);
  const server = useServerError();
  const error = server.error;
  const setError = server.set;
  const [busy, setBusy] = useState(false);
  // the API's word on a field goes once that field is edited (the client's check stays as it was)
  const emailErr = problem ?? server.field('email');
  const roleErr = server.field('role');
  return (
    // noValidate: the address is checked here and said on the field (the browser's own check
    // showed only its bubble, which screen readers and the field's description do not carry)
    <form
      className="ps-m-form"
      aria-label="Invite"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const m = email.trim();
        const p = emailProblem(m);
        setProblem(p);
        setError(null);
        if (p) return;
        setBusy(true);
        onInvite(m, role).then(
          () => {
            setBusy(false);
            setEmail('');
          },
          (err: unknown) => {
            setBusy(false);
            setError(err);
          },
        );
      }}
    >
      <div className="ps-m-field">
        <label htmlFor="invite-email">E-mail</label>
        <input
          {...invalidProps('invite-email', emailErr)}
          id="invite-email"
          type="email"
          value={email}
          placeholder="someone@example.com"
          autoComplete="off"
          onChange={(e) => {
            setEmail(e.target.value);
            setProblem(null);
            server.edited('email');
          }}
        />
        <FieldMessage id="invite-email" message={emailErr} />
      </div>
      <div className="ps-m-field">
        <label htmlFor="invite-role">Role</label>
        <select {...invalidProps('invite-role', roleErr)} id="invite-role" value={role} onChange={(e) => {
            setRole(e.target.value as Role);
            server.edited('role');
          }}
        >
          {ROLES.map((r) => (
            <option key={r.role} value={r.role}>
              {r.role}
            </option>
          ))}
        </select>
        <FieldMessage id="invite-role" message={roleErr} />
      </div>
      <div className="ps-m-submit">
        <button type="submit" className="ps-button ps-primary" disabled={busy}>
          {busy ? 'Inviting…' : 'Invite'}
        </button>
      </div>
      <p className="ps-hint ps-m-form-error">Whoever signs in with this address (verified) sees the invitation on their projects screen and joins the workspace with the role once they accept it.</p>
      {formError(error, ['email', 'role']) ? (
        <p className="ps-field-error ps-m-form-error" role="alert">
          {formError(error, ['email', 'role'])}
        </p>
      ) : null}
    </form>
  );
}

function RoleSelect({ m, onChange }: { m: Member; onChange(role: Role): Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** A refusal because the member changed: the keyboard goes back to the role, now the current one. */
  const [refused, setRefused] = useState(0);
  /**
   * Counts the answered changes: the select waited disabled and the browser left the keyboard
   * on the body, so it gets it back (unless the person has gone on elsewhere meanwhile).
   */
  const [answered, setAnswered] = useState(0);
  const select = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    if (refused) select.current?.focus();
  }, [refused]);
  useEffect(() => {
    const at = document.activeElement;
    if (answered && (!at || at === document.body)) select.current?.focus();
  }, [answered]);
  const id = `role-${m.sub}`;
  return (
    <>
      <select
        {...invalidProps(id, error ?? undefined)}
        ref={select}
        id={id}
        aria-label={`Role of ${m.email ?? m.sub}`}
        value={m.role}
        disabled={busy}
        onChange={(e) => {
          const r = e.target.value as Role;
          setBusy(true);
          setError(null);
          onChange(r).then(
            () => {
              setBusy(false);
              setAnswered((n) => n + 1);
            },
            (err: unknown) => {
              setBusy(false);
              setAnswered((n) => n + 1);
              // the select shows the role as it is now: the one chosen is said, to choose again
              setError(isChanged(err) ? `${CHANGED_TEXT.replace('what it is now is shown', 'the role shown is the current one')} (You chose ${r}.)` : errText(err));
              if (isChanged(err)) setRefused((n) => n + 1);
            },
          );
        }}
      >
        {ROLES.map((r) => (
          <option key={r.role} value={r.role}>
            {r.role}
          </option>
        ))}
      </select>
      <FieldMessage id={id} message={error ?? undefined} />
    </>
  );
}

export function MembersScreen({ api, role, me, workspace }: { api: ApiClient; role: Role | null; me?: string; workspace?: string }) {
  const [load, reload, set] = useLoad<Data>(async () => {
    const [members, invitations] = await Promise.all([collectPages((cursor) => api.listMembers({ limit: 100, cursor })), collectPages((cursor) => api.listInvitations({ limit: 100, cursor }))]);
    return { members, invitations };
  }, [api]);
  // a change of one's own role applies here at once (the shell learns it at the next sign-in)
  const [ownRole, setOwnRole] = useState<Role | null>(null);
  const manage = can(ownRole ?? role, 'members.manage');
  const name = (m: Member) => m.email ?? m.sub;
  /**
   * After a change the API refused because the member changed since it was read (412) or is
   * gone (404): the member is read again in place, and the refusal goes on to the row.
   */
  /**
   * After a write of an invitation the API refused because it changed since it was read (412)
   * or is gone (404): the invitation is read again in place, and the refusal goes on.
   */
  const invitationRefreshed = (email: string) => async (e: unknown): Promise<never> => {
    if (isChanged(e) || (e instanceof ApiError && e.status === 404)) {
      await api.getInvitation(email).then(
        (now) => set((d) => ({ ...d, invitations: d.invitations.some((x) => x.email === now.email) ? d.invitations.map((x) => (x.email === now.email ? now : x)) : [now, ...d.invitations] })),
        (g: unknown) => {
          if (g instanceof ApiError && g.status === 404) set((d) => ({ ...d, invitations: d.invitations.filter((x) => x.email !== email) }));
        },
      );
    }
    throw e;
  };
  const refreshed = (sub: string) => async (e: unknown): Promise<never> => {
    if (isChanged(e) || (e instanceof ApiError && e.status === 404)) {
      await api.getMember(sub).then(
        (now) => set((d) => ({ ...d, members: d.members.map((x) => (x.sub === sub ? now : x)) })),
        (g: unknown) => {
          if (g instanceof ApiError && g.status === 404) set((d) => ({ ...d, members: d.members.filter((x) => x.sub !== sub) }));
        },
      );
    }
    throw e;
  };

  return (
    <Screen
      title="Members"
      intro={
        <>
          Who can work in {workspace ? <strong>{workspace}</strong> : 'this workspace'} — every project in it. Roles: {ROLES.map((r) => `${r.role} ${r.what}`).join('; ')}.
        </>
      }
      readOnly={manage ? null : 'Only admins can invite members and change roles.'}
    >
      {manage ? (
        <Invite
          onInvite={async (email, r) => {
            // an address with a pending invitation: inviting it again replaces the one read
            const pending = load.status === 'ready' ? load.value.invitations.find((x) => x.email.toLowerCase() === email.toLowerCase()) : undefined;
            const inv = await api.invite(email, r, pending?.etag).catch(pending ? invitationRefreshed(pending.email) : (e: unknown) => Promise.reject(e));
            set((d) => ({ ...d, invitations: [inv, ...d.invitations.filter((x) => x.email !== inv.email)] }));
          }}
        />
      ) : null}
      <LoadState load={load} what="members" retry={reload} />
      {load.status === 'ready' ? (
        <>
          {load.value.members.length === 0 ? (
            <p className="ps-empty">No members.</p>
          ) : (
            <table className="ps-m-table">
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Role</th>
                  <th scope="col">Since</th>
                  <th scope="col">
                    <span className="ps-hint">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {load.value.members.map((m) => (
                  <tr key={m.sub}>
                    <td>
                      {name(m)} {m.sub === me ? <span className="ps-m-badge">you</span> : null}
                    </td>
                    <td>
                      {manage ? (
                        <RoleSelect
                          m={m}
                          onChange={async (r) => {
                            const answer = await api.setMemberRole(m.sub, r, m.etag).catch(refreshed(m.sub));
                            if (m.sub === me) setOwnRole(answer.role);
                            set((d) => ({ ...d, members: d.members.map((x) => (x.sub === m.sub ? { ...x, ...answer } : x)) }));
                          }}
                        />
                      ) : (
                        m.role
                      )}
                    </td>
                    <td className="ps-hint">{when(m.since)}</td>
                    <td className="ps-m-actions">
                      {manage ? (
                        <ConfirmButton
                          label="Remove"
                          accessibleName={`Remove ${name(m)}`}
                          question={m.sub === me ? 'Remove yourself? You lose access to this workspace.' : `Remove ${name(m)} from the workspace?`}
                          confirmLabel="Remove"
                          onConfirm={async () => {
                            await api.removeMember(m.sub, m.etag).catch(refreshed(m.sub));
                            set((d) => ({ ...d, members: d.members.filter((x) => x.sub !== m.sub) }));
                          }}
                        />
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Pending invitations</h2>
          {load.value.invitations.length === 0 ? (
            <p className="ps-hint">None.</p>
          ) : (
            <table className="ps-m-table" aria-label="Pending invitations">
              <thead>
                <tr>
                  <th scope="col">E-mail</th>
                  <th scope="col">Role</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="ps-hint">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {load.value.invitations.map((i) => (
                  <tr key={i.email}>
                    <td>{i.email}</td>
                    <td>{i.role}</td>
                    <td className="ps-hint">{when(i.expires_at)}</td>
                    <td className="ps-m-actions">
                      {manage ? (
                        <ConfirmButton
                          label="Withdraw"
                          accessibleName={`Withdraw the invitation of ${i.email}`}
                          question={`Withdraw the invitation of ${i.email}?`}
                          confirmLabel="Withdraw"
                          onConfirm={async () => {
                            await api.deleteInvitation(i.email, i.etag).catch(invitationRefreshed(i.email));
                            set((d) => ({ ...d, invitations: d.invitations.filter((x) => x.email !== i.email) }));
                          }}
                        />
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </Screen>
  );
}
