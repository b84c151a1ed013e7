// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Role } from '../api/types';
import { ShellContext, type ShellEnv } from '../shell/context';
import { SETTINGS_SECTIONS } from '../shell/routes';
import { SECTION_TITLES, SettingsNav, SettingsScreen } from './SettingsScreen';
import { fakeApi } from './testkit';

afterEach(cleanup);

function withShell(api: ShellEnv['api'], role: Role, children: ReactNode, triggerUrl?: string) {
  const env = { api, tenant: 'T1', signInEpoch: 0, theme: 'light', setTheme: () => {}, role, sub: 'u-1', tenantName: 'Acme', triggerUrl } as unknown as ShellEnv;
  return <ShellContext.Provider value={env}>{children}</ShellContext.Provider>;
}

describe('SettingsNav', () => {
  it('links every section by its URL and marks the open one', () => {
    history.replaceState(null, '', '/p/P1');
    render(<SettingsNav project="P1" active="env" />);
    const links = within(screen.getByRole('region', { name: 'Settings' })).getAllByRole('link');
    expect(links.map((l) => [l.textContent, l.getAttribute('href')])).toEqual(SETTINGS_SECTIONS.map((s) => [SECTION_TITLES[s], `/p/P1/settings/${s}`]));
    expect(links.filter((l) => l.getAttribute('aria-current') === 'page').map((l) => l.textContent)).toEqual(['Environment variables']);
    fireEvent.click(screen.getByRole('link', { name: 'API keys' }));
    expect(location.pathname).toBe('/p/P1/settings/api-keys');
  });
});

describe('SettingsScreen', () => {
  it('opens the section with the role the shell knows', async () => {
    const { api } = fakeApi({ 'GET /stages': { status: 200, body: [{ name: 'mock', position: 0, production: false, created_at: '' }] } });
    render(withShell(api, 'viewer', <SettingsScreen project="P1" section="stages" />));
    expect(screen.getByRole('heading', { name: 'Stages' })).toBeTruthy();
    expect(await screen.findByText('mock')).toBeTruthy();
    expect(screen.getByRole('note').textContent).toBe('Only admins can change stages.');
  });

  it('shows the workspace members inside a project', async () => {
    const { api } = fakeApi({
      'GET ~/members': { status: 200, body: { items: [{ sub: 'u-1', email: 'me@example.com', role: 'admin', since: '' }] } },
      'GET ~/invitations': { status: 200, body: { items: [] } },
    });
    render(withShell(api, 'admin', <SettingsScreen project="P1" section="members" />));
    expect(await screen.findByText('me@example.com')).toBeTruthy();
    expect(screen.getByText('you')).toBeTruthy();
    expect(screen.getByText('Acme')).toBeTruthy();
    expect(screen.getByRole('form', { name: 'Invite' })).toBeTruthy();
  });

  it('opens General first, with the trigger URL pattern of the shell, and tells the shell of a rename', async () => {
    expect(SETTINGS_SECTIONS[0]).toBe('general');
    const project = { id: 'P1', tenant: 'T1', name: 'Shop', slug: 'shop', created_at: '', updated_at: '' };
    const { api } = fakeApi({
      'GET ': { status: 200, body: project },
      'GET /stages': { status: 200, body: [{ name: 'prod', position: 1, production: true, created_at: '' }] },
      'GET ~/project-slug': { status: 200, body: { slug: 'store', available: true } },
      'PATCH ': { status: 200, body: { ...project, name: 'Store' } },
    });
    const names: string[] = [];
    render(withShell(api, 'editor', <SettingsScreen project="P1" section="general" onProjectChanged={(p) => names.push(p.name)} />, 'https://{project}-{stage}.run.example'));
    expect(screen.getByRole('heading', { name: 'General' })).toBeTruthy();
    fireEvent.change(await screen.findByLabelText('Slug'), { target: { value: 'store' } });
    expect(screen.getByRole('note', { name: 'Trigger addresses change' }).textContent).toContain('https://shop-prod.run.example → https://store-prod.run.example');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Store' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    await waitFor(() => expect(names).toEqual(['Store']));
  });
});
