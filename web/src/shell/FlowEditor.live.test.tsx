// @vitest-environment jsdom
// The flow editor catches up on runs the live socket could not tell it about: for a moment after
// a flow is (re)subscribed the routers do not know the subscriber yet, so once that has passed
// the run history reads again, as when another run ends.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SUBSCRIBE_SETTLE_MS, type LiveSocket, type SubscribeOptions } from '../api/live';
import type { Run } from '../api/types';
import { fakeApi } from '../manage/testkit';
import { toJSON } from '../model/flow';
import { catalog, doc, node } from '../test/fixtures';
import { shellEnv } from '../test/editor';
import { flowRow, installResizeObserver } from '../test/shell';
import { ShellContext } from './context';
import { FlowEditor, openFlow } from './FlowEditor';

beforeAll(installResizeObserver);
beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** A live socket whose subscriptions reach the server when the test says so (it never sends events). */
class ScriptedLive {
  status = 'open' as const;
  told = new Set<() => void>();
  subscribe(_project: string, _flow: string, _f: unknown, opts: SubscribeOptions = {}) {
    const f = opts.onSubscribed;
    if (f) this.told.add(f);
    return () => {
      if (f) this.told.delete(f);
    };
  }
  /** The subscriptions were sent: the connection opened, or opened again after a drop. */
  subscribed() {
    for (const f of this.told) f();
  }
}

const run = (id: string): Run => ({ id, flow: 'F1', stage: 'live', version: 1, trigger: 'route', status: 'success', started_at: '2026-01-01T10:00:00Z', duration_ms: 12, expires_at: 'x' });

async function setup() {
  let listed: Run[] = [run('r1')];
  const { api, calls } = fakeApi({
    'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Checkout', 'route'), draft: { document: toJSON(doc([node('a', 'math.add')])), revision: 3 } } },
    'GET /flows/F1/runs': () => ({ status: 200, body: { items: listed } }),
    'GET /secrets': { status: 200, body: [] },
    'GET /env': { status: 200, body: [] },
    'GET /flows': { status: 200, body: { items: [flowRow('F1', 'Checkout', 'route')] } },
    'GET /stages': { status: 200, body: [{ name: 'live' }] },
  });
  const live = new ScriptedLive();
  const open = await openFlow(api, catalog, 'P1', 'F1');
  render(
    <ShellContext.Provider value={{ ...shellEnv(api), live: live as unknown as LiveSocket }}>
      <FlowEditor project="P1" open={open} title={<strong>Checkout</strong>} />
    </ShellContext.Provider>,
  );
  fireEvent.click(screen.getByRole('button', { name: 'History' }));
  const history = screen.getByRole('region', { name: 'Run history' });
  await waitFor(() => expect(history.querySelector('tr[data-run="r1"]')).not.toBeNull());
  const reads = () => calls.filter((c) => c.method === 'GET' && c.path === '/flows/F1/runs').length;
  expect(reads()).toBe(1);
  // a run ends in the blind window after subscribing: no event tells the editor about it
  listed = [run('r2'), run('r1')];
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));
  return { open, live, history, reads, advance };
}

describe('the flow editor after subscribing to its flow', () => {
  it('reads the run history again once the subscription settled, so runs in the blind window are listed', async () => {
    const { open, live, history, reads, advance } = await setup();
    act(() => live.subscribed());
    await advance(SUBSCRIBE_SETTLE_MS - 1);
    expect(reads()).toBe(1);
    await advance(1);
    expect(reads()).toBe(2);
    expect([...history.querySelectorAll('tbody tr')].map((r) => r.getAttribute('data-run'))).toEqual(['r2', 'r1']);
    // once: nothing more without another subscription
    await advance(SUBSCRIBE_SETTLE_MS * 4);
    expect(reads()).toBe(1 + 1);
    open.saver.dispose();
  });

  it('catches up again after a reconnect resubscribed, once per settle (a quick second one restarts the wait)', async () => {
    const { open, live, reads, advance } = await setup();
    act(() => live.subscribed());
    await advance(SUBSCRIBE_SETTLE_MS);
    expect(reads()).toBe(2);
    // the socket dropped and came back twice in a row
    act(() => live.subscribed());
    await advance(1000);
    act(() => live.subscribed());
    await advance(SUBSCRIBE_SETTLE_MS - 1);
    expect(reads()).toBe(2);
    await advance(1);
    expect(reads()).toBe(3);
    await advance(SUBSCRIBE_SETTLE_MS * 4);
    expect(reads()).toBe(3);
    open.saver.dispose();
  });

  it('reads nothing once the editor is gone (the wait is cleared) and stops being told', async () => {
    const { open, live, reads, advance } = await setup();
    act(() => live.subscribed());
    await advance(1000);
    open.saver.dispose();
    cleanup();
    expect(live.told.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await advance(SUBSCRIBE_SETTLE_MS * 4);
    expect(reads()).toBe(1);
  });
});
