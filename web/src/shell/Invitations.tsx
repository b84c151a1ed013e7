// Invitations to the signed-in person, on the projects screen: each waits for their consent
// (Accept joins the workspace with the invited role, Decline deletes it). Nothing is joined
// by signing in alone.

import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import type { MyInvitation } from '../api/types';
import { useShell } from './context';

type Load = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; items: MyInvitation[] };

const sentence = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** What the API said, in its own words (the problem's detail). */
function said(e: unknown): string {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
  if (e.isNetwork) return 'The API could not be reached.';
  const text = sentence(e.detail || e.title);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function inviter(i: MyInvitation): string {
  if (i.invited_by_name && i.invited_by_email) return `${i.invited_by_name} (${i.invited_by_email})`;
  return i.invited_by_name || i.invited_by_email || i.invited_by || 'a workspace admin';
}

const when = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
};

export function Invitations() {
  const { api, tenant, reloadMe, chooseTenant } = useShell();
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [joined, setJoined] = useState<{ tenant: string; name: string } | null>(null);
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const openButton = useRef<HTMLButtonElement>(null);
  const focusOpen = useRef(false);

  const fetchList = useCallback(async () => {
    setLoad({ status: 'loading' });
    try {
      setLoad({ status: 'ready', items: await api.myInvitations() });
    } catch (e) {
      setLoad({ status: 'error', message: said(e) });
    }
  }, [api]);

  useEffect(() => {
    void fetchList();
  }, [fetchList]);

  useEffect(() => {
    if (joined && focusOpen.current) {
      focusOpen.current = false;
      openButton.current?.focus();
    }
  }, [joined]);

  const drop = (tenant: string) => setLoad((l) => (l.status === 'ready' ? { status: 'ready', items: l.items.filter((i) => i.tenant !== tenant) } : l));

  const answer = async (inv: MyInvitation, accept: boolean) => {
    setBusy(inv.tenant);
    setError(null);
    try {
      if (accept) {
        const m = await api.acceptInvitation(inv.tenant);
        drop(inv.tenant);
        focusOpen.current = true;
        setJoined({ tenant: inv.tenant, name: m?.tenant_name || inv.tenant_name || inv.tenant });
        // the switcher lists the workspace once the person is read again
        await reloadMe?.().catch(() => undefined);
      } else {
        await api.declineInvitation(inv.tenant);
        drop(inv.tenant);
        heading.current?.focus();
      }
    } catch (e) {
      setError(said(e));
      // gone (declined elsewhere, withdrawn) or expired: it can no longer be answered
      if (e instanceof ApiError && (e.status === 404 || e.status === 410)) drop(inv.tenant);
      heading.current?.focus();
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="ps-page ps-invitations" aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        Invitations
      </h2>
      {joined ? (
        <p className="ps-row" role="status">
          You joined {joined.name}.
          {chooseTenant && tenant !== joined.tenant ? (
            <button type="button" className="ps-button ps-small" ref={openButton} onClick={() => (chooseTenant(joined.tenant), heading.current?.focus())}>
              Open {joined.name}
            </button>
          ) : null}
        </p>
      ) : null}
      {error ? (
        <p className="ps-field-error" role="alert">
          {error}
        </p>
      ) : null}
      {load.status === 'loading' ? (
        <p className="ps-hint" role="status">
          Loading invitations…
        </p>
      ) : load.status === 'error' ? (
        <div role="alert">
          <p className="ps-field-error">Your invitations could not be loaded: {load.message}</p>
          <button type="button" className="ps-button ps-small" onClick={() => void fetchList()}>
            Try again
          </button>
        </div>
      ) : load.items.length === 0 ? (
        <p className="ps-hint">No pending invitations.</p>
      ) : (
        <ul className="ps-project-list" aria-label="Pending invitations">
          {load.items.map((i) => {
            const name = i.tenant_name || i.tenant;
            return (
              <li key={i.tenant} className="ps-project-row">
                <span>
                  <strong>{name}</strong>{' '}
                  <span className="ps-hint">
                    as {i.role}, invited by {inviter(i)}; expires {when(i.expires_at)}
                  </span>
                </span>
                <span className="ps-toolbar-spacer" />
                <button type="button" className="ps-button ps-small ps-primary" disabled={busy !== null} aria-label={`Accept the invitation to ${name}`} onClick={() => void answer(i, true)}>
                  Accept
                </button>
                <button type="button" className="ps-button ps-small" disabled={busy !== null} aria-label={`Decline the invitation to ${name}`} onClick={() => void answer(i, false)}>
                  Decline
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
