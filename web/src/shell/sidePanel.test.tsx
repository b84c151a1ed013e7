// @vitest-environment jsdom
// The project panel on a phone-sized window opens over the editor and closes again, so the
// canvas stays reachable; there it starts closed whatever was chosen on a wider window.
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LiveSocket } from '../api/live';
import { fakeApi } from '../manage/testkit';
import { catalog } from '../test/fixtures';
import { FakeLive, fakeWindow, flowRow, installResizeObserver } from '../test/shell';
import { ShellContext, type ShellEnv } from './context';
import { ProjectShell } from './ProjectShell';
import { NARROW, sidePanelShown } from './sidePanel';

beforeAll(installResizeObserver);


const saved = globalThis.matchMedia;
beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  globalThis.matchMedia = saved;
});

function renderShell(flow: string | null = null) {
  const { api } = fakeApi({
    'GET ': { status: 200, body: { id: 'P1', name: 'Shop', slug: 'shop' } },
    'GET /flows': { status: 200, body: { items: [flowRow('F1', 'Checkout', 'route')] } },
    'GET /secrets': { status: 200, body: [] },
    'GET /env': { status: 200, body: [] },
    'GET /stages': { status: 200, body: [] },
  });
  const env: ShellEnv = { api, live: new FakeLive() as unknown as LiveSocket, catalog, tenant: 'T1', signInEpoch: 0, theme: 'light', setTheme: () => undefined };
  return render(
    <ShellContext.Provider value={env}>
      <ProjectShell project="P1" flow={flow} />
    </ShellContext.Provider>,
  );
}


describe('the project panel at 480 px', () => {
  it('starts closed even when shown on a wider window, opens over the editor, and Escape closes it, the focus back on its rail', async () => {
    fakeWindow(480);
    localStorage.setItem('ps.projectPanel', 'shown');
    renderShell();
    const show = await screen.findByRole('button', { name: 'Show the project panel' });
    expect(screen.queryByRole('region', { name: 'Routes' })).toBeNull();
    fireEvent.click(show);
    const panel = screen.getByRole('navigation', { name: 'Project' });
    expect(document.querySelector('.ps-project-shell')!.classList.contains('ps-side-overlay')).toBe(true);
    // the focus goes in
    expect(document.activeElement).toBe(within(panel).getByRole('button', { name: 'Hide the project panel' }));
    expect(document.querySelector('.ps-side-backdrop')).not.toBeNull();
    // a passing look: the wider window's choice stays
    expect(localStorage.getItem('ps.projectPanel')).toBe('shown');
    fireEvent.keyDown(within(panel).getByRole('link', { name: 'Publishing (stages × flows)' }), { key: 'Escape' });
    expect(panel.hidden).toBe(true);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Show the project panel' }));
  });

  it('closes when a click lands beside it, and when a flow is opened from it', async () => {
    fakeWindow(480);
    renderShell();
    fireEvent.click(await screen.findByRole('button', { name: 'Show the project panel' }));
    fireEvent.click(document.querySelector('.ps-side-backdrop')!);
    expect(document.querySelector<HTMLElement>('nav.ps-side')!.hidden).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Show the project panel' }));
    fireEvent.click(await screen.findByRole('link', { name: 'Checkout' }));
    expect(window.location.pathname).toBe('/p/P1/f/F1');
    expect(document.querySelector<HTMLElement>('nav.ps-side')!.hidden).toBe(true);
    expect(localStorage.getItem('ps.projectPanel')).toBeNull();
  });

  it('moves over the editor when the window narrows to a phone while it is shown, and beside it again when it widens', async () => {
    const win = fakeWindow(1400);
    renderShell();
    await screen.findByRole('region', { name: 'Routes' });
    expect(document.querySelector('.ps-project-shell')!.classList.contains('ps-side-overlay')).toBe(false);
    win.resize(480);
    expect(screen.getByRole('region', { name: 'Routes' })).toBeTruthy();
    expect(document.querySelector('.ps-project-shell')!.classList.contains('ps-side-overlay')).toBe(true);
    expect(document.querySelector('.ps-side-backdrop')).not.toBeNull();
    // closed there, it is back as chosen for wide windows when the window widens
    fireEvent.keyDown(screen.getByRole('button', { name: 'Hide the project panel' }), { key: 'Escape' });
    expect(screen.queryByRole('region', { name: 'Routes' })).toBeNull();
    win.resize(1400);
    expect(screen.getByRole('region', { name: 'Routes' })).toBeTruthy();
    expect(document.querySelector('.ps-side-backdrop')).toBeNull();
  });

  it('beside the editor on a wider window, as before: no backdrop, the editor in reach, the choice remembered', async () => {
    fakeWindow(1000);
    localStorage.setItem('ps.projectPanel', 'shown');
    renderShell();
    await screen.findByRole('region', { name: 'Routes' });
    expect(document.querySelector('.ps-side-backdrop')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Hide the project panel' }));
    expect(localStorage.getItem('ps.projectPanel')).toBe('hidden');
  });

  it('starts closed where it would cover the editor, whatever was remembered', () => {
    expect(sidePanelShown({ getItem: () => 'shown' }, () => true, () => true)).toBe(false);
    expect(sidePanelShown({ getItem: () => 'shown' }, () => true, () => false)).toBe(true);
    expect(NARROW).toBe('(max-width: 1199px)');
  });
});
