import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/client';
import type { Run } from '../api/types';
import { createHistory, formatDuration, formatWhen, formatWhenExact, whenTick } from './history';

const run = (id: string, extra: Partial<Run> = {}): Run => ({
  id, flow: 'f1', stage: 'mock', version: 0, trigger: 'editor', status: 'success', started_at: '2026-01-01T00:00:00Z', duration_ms: 5, expires_at: 'x', ...extra,
});

function fakeApi(pages: Record<string, unknown>) {
  const urls: string[] = [];
  const fetch = vi.fn(async (url: RequestInfo | URL) => {
    const u = String(url);
    urls.push(u);
    const key = Object.keys(pages).find((k) => u.endsWith(k));
    if (!key) return new Response(JSON.stringify({ title: 'Not Found', status: 404 }), { status: 404, headers: { 'Content-Type': 'application/problem+json' } });
    return new Response(JSON.stringify(pages[key]), { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  const api = new ApiClient({ baseUrl: '/api/v1', fetch: fetch as unknown as typeof globalThis.fetch, tenant: 't', sleep: async () => {}, retries: 0 });
  return { api, urls };
}

describe('run history', () => {
  it('loads pages with the cursor and appends them without duplicates', async () => {
    const { api, urls } = fakeApi({
      '/runs?limit=2': { items: [run('r3'), run('r2')], next_cursor: 'c1' },
      '/runs?limit=2&cursor=c1': { items: [run('r2'), run('r1')] },
    });
    const h = createHistory(api, 'p', 'f1', 2);
    await h.getState().reload();
    expect(h.getState().items.map((r) => r.id)).toEqual(['r3', 'r2']);
    expect(h.getState().next).toBe('c1');
    expect(h.getState().loaded).toBe(true);
    await h.getState().more();
    expect(h.getState().items.map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
    expect(h.getState().next).toBeNull();
    await h.getState().more(); // no next page: no request
    expect(urls).toEqual(['/api/v1/tenants/t/projects/p/flows/f1/runs?limit=2', '/api/v1/tenants/t/projects/p/flows/f1/runs?limit=2&cursor=c1']);
  });

  it('puts new runs on top when refreshed, keeping the pages loaded below; a gap reloads', async () => {
    const pages: Record<string, unknown> = {
      '/runs?limit=2&cursor=c1': { items: [run('r2'), run('r1')], next_cursor: 'c2' },
      '/runs?limit=2': { items: [run('r4'), run('r3')], next_cursor: 'c1' },
    };
    const { api } = fakeApi(pages);
    const h = createHistory(api, 'p', 'f1', 2);
    // nothing listed yet: a refresh loads the first page
    await h.getState().refresh();
    await h.getState().more();
    expect(h.getState().items.map((r) => r.id)).toEqual(['r4', 'r3', 'r2', 'r1']);
    // a run ended (r5 new, r4 now an error): it reloaded to the first page, dropping r2 and r1
    pages['/runs?limit=2'] = { items: [run('r5'), run('r4', { status: 'error' })], next_cursor: 'x' };
    await h.getState().refresh();
    expect(h.getState().items.map((r) => `${r.id}:${r.status}`)).toEqual(['r5:success', 'r4:error', 'r3:success', 'r2:success', 'r1:success']);
    expect(h.getState().next).toBe('c2');
    // more new runs than a page: none of the first page is listed, so it starts over
    pages['/runs?limit=2'] = { items: [run('r9'), run('r8')], next_cursor: 'c7' };
    await h.getState().refresh();
    expect(h.getState().items.map((r) => r.id)).toEqual(['r9', 'r8']);
    expect(h.getState().next).toBe('c7');
  });

  it('waits a little for the run that ended to be listed (it is stored just after its end is announced)', async () => {
    const answers = [
      { items: [run('r2'), run('r1')] },
      { items: [run('r2'), run('r1')] },
      { items: [run('r2'), run('r1')] },
      { items: [run('r3'), run('r2')] },
    ];
    const listRuns = vi.fn(async () => answers.shift() ?? { items: [] });
    const h = createHistory({ listRuns }, 'p', 'f1', 2, 1);
    await h.getState().reload();
    await h.getState().refresh('r3');
    expect(listRuns).toHaveBeenCalledTimes(4);
    expect(h.getState().items.map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
  });

  it('filters by stage and status on the server and starts over', async () => {
    const { api, urls } = fakeApi({
      '/runs?limit=20': { items: [run('a'), run('b', { stage: 'live', status: 'error' })], next_cursor: 'n' },
      '/runs?limit=20&stage=live&status=error': { items: [run('b', { stage: 'live', status: 'error' })] },
    });
    const h = createHistory(api, 'p', 'f1');
    await h.getState().reload();
    await h.getState().setFilter({ stage: 'live' });
    await h.getState().setFilter({ status: 'error' });
    expect(h.getState().filter).toEqual({ stage: 'live', status: 'error' });
    expect(h.getState().items.map((r) => r.id)).toEqual(['b']);
    expect(h.getState().next).toBeNull();
    expect(urls[1]).toContain('/runs?limit=20&stage=live');
  });

  it('keeps the error of a failed load and drops answers for an older filter', async () => {
    let release: (r: Response) => void = () => {};
    const slow = new Promise<Response>((r) => (release = r));
    const fetch = vi
      .fn()
      .mockImplementationOnce(() => slow)
      .mockImplementationOnce(async () => new Response(JSON.stringify({ items: [run('new')] }), { status: 200 }))
      .mockImplementationOnce(async () => new Response(JSON.stringify({ title: 'Server error', status: 500 }), { status: 500 }));
    const api = new ApiClient({ baseUrl: '/api/v1', fetch: fetch as unknown as typeof globalThis.fetch, tenant: 't', retries: 0 });
    const h = createHistory(api, 'p', 'f1');
    const first = h.getState().reload();
    await h.getState().setFilter({ stage: 'live' });
    release(new Response(JSON.stringify({ items: [run('old')] }), { status: 200 }));
    await first;
    expect(h.getState().items.map((r) => r.id)).toEqual(['new']);
    await h.getState().reload();
    expect(h.getState().error).toBe('Server error');
    expect(h.getState().loading).toBe(false);
  });
});

describe('formats', () => {
  it.each([
    [12, '12 ms'],
    [1340, '1.3 s'],
    [42_000, '42 s'],
    [125_000, '2 min 5 s'],
    [120_000, '2 min'],
    [3_720_000, '1 h 2 min'],
    [-1, '—'],
  ])('duration %d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('says when, relative to now for recent runs', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(formatWhen('2026-03-01T11:59:50Z', now)).toBe('10 s ago');
    expect(formatWhen('2026-03-01T11:30:00Z', now)).toBe('30 min ago');
    expect(formatWhen('2026-03-01T09:00:00Z', now)).toBe('3 h ago');
    expect(formatWhen('2026-02-01T09:05:00Z', now)).toBe('2026-02-01 09:05');
    expect(formatWhen('garbage', now)).toBe('garbage');
    // the server's clock a few seconds ahead of this one: not a date as if long ago
    expect(formatWhen('2026-03-01T12:00:03Z', now)).toBe('just now');
    expect(formatWhen('2026-03-01T12:05:00Z', now)).toBe('2026-03-01 12:05');
  });

  it('gives the full local start with its time zone for the tooltip', () => {
    expect(formatWhenExact('2026-03-01T11:59:50Z', 'UTC')).toBe('2026-03-01 11:59:50 (UTC)');
    expect(formatWhenExact('garbage', 'UTC')).toBe('garbage');
  });

  it('ticks as often as the youngest start needs, and not at all for dates', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(whenTick(['2026-03-01T11:59:50Z', '2026-02-01T09:05:00Z'], now)).toBe(1_000);
    expect(whenTick(['2026-03-01T12:00:03Z'], now)).toBe(1_000);
    expect(whenTick(['2026-03-01T11:30:00Z', '2026-03-01T09:00:00Z'], now)).toBe(10_000);
    expect(whenTick(['2026-03-01T09:00:00Z'], now)).toBe(60_000);
    expect(whenTick(['2026-02-01T09:05:00Z', 'garbage'], now)).toBeNull();
    expect(whenTick([], now)).toBeNull();
  });
});
