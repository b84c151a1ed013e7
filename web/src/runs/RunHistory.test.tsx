// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Run } from '../api/types';
import type { RunsApi } from './history';
import { RunHistory } from './RunHistory';

afterEach(cleanup);

const run = (id: string, extra: Partial<Run> = {}): Run => ({
  id, flow: 'f1', stage: 'mock', version: 0, trigger: 'editor', status: 'success', started_at: '2026-01-01T10:00:00Z', duration_ms: 1340, expires_at: 'x', ...extra,
});

describe('RunHistory', () => {
  it('keeps "… ago" up to date with one timer for the whole list, the exact time in the tooltip, and stops when closed', async () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2026-03-01T12:00:00Z'));
      const listRuns = vi.fn<RunsApi['listRuns']>(async () => ({
        items: [run('r1', { started_at: '2026-03-01T11:59:50Z' }), run('r2', { started_at: '2026-03-01T11:58:00Z' }), run('r3', { started_at: '2026-02-01T09:05:00Z' })],
      }));
      const { unmount } = render(<RunHistory api={{ listRuns }} project="p" flow="f1" stages={[]} refreshKey="" onOpen={() => {}} onClose={() => {}} />);
      await act(async () => {});
      const when = (id: string) => document.querySelector(`tr[data-run="${id}"] time`)!;
      expect(when('r1').textContent).toBe('10 s ago');
      expect(when('r2').textContent).toBe('2 min ago');
      expect(when('r1').getAttribute('dateTime')).toBe('2026-03-01T11:59:50Z');
      expect(when('r1').getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(.+\)$/);
      // one timer for three rows
      expect(vi.getTimerCount()).toBe(1);
      // each tick renders and sets the next one
      const pass = (ms: number, step: number) => {
        for (let t = 0; t < ms; t += step) act(() => vi.advanceTimersByTime(step));
      };
      pass(5_000, 1_000);
      expect(when('r1').textContent).toBe('15 s ago');
      expect(screen.getAllByRole('button', { name: /^Open the editor run of 15 s ago/ })).toHaveLength(1);
      pass(50_000, 1_000);
      pass(70_000, 10_000);
      expect(when('r1').textContent).toBe('2 min ago');
      expect(when('r2').textContent).toBe('4 min ago');
      expect(vi.getTimerCount()).toBe(1);
      unmount();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sets no timer when every run shows a date', async () => {
    vi.useFakeTimers();
    try {
      vi.setSystemTime(new Date('2026-03-01T12:00:00Z'));
      const listRuns = vi.fn<RunsApi['listRuns']>(async () => ({ items: [run('r3', { started_at: '2026-02-01T09:05:00Z' })] }));
      render(<RunHistory api={{ listRuns }} project="p" flow="f1" stages={[]} refreshKey="" onOpen={() => {}} onClose={() => {}} />);
      await act(async () => {});
      expect(document.querySelector('tr[data-run="r3"] time')?.textContent).toMatch(/^2026-02-01 \d\d:05$/);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('lists runs with status, duration, trigger, stage and version, pages and filters', async () => {
    const listRuns = vi.fn<RunsApi['listRuns']>(async (_p, _f, q) => {
      if (q.stage === 'live') return { items: [run('r9', { stage: 'live', trigger: 'route', version: 2 })] };
      if (q.cursor === 'c') return { items: [run('r1', { status: 'error' })] };
      return { items: [run('r2', { stage: 'live', trigger: 'route', version: 1 })], next_cursor: 'c' };
    });
    const onOpen = vi.fn();
    render(<RunHistory api={{ listRuns }} project="p" flow="f1" stages={['live']} refreshKey="" onOpen={onOpen} onClose={() => {}} />);
    const region = screen.getByRole('region', { name: 'Run history' });
    await within(region).findByText('v1');
    const row = region.querySelector('tr[data-run="r2"]')!;
    expect(row.textContent).toContain('success');
    expect(row.textContent).toContain('1.3 s');
    expect(row.textContent).toContain('route');
    expect(row.textContent).toContain('live');
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(region.querySelector('tr[data-run="r1"]')).not.toBeNull());
    expect(region.querySelector('tr[data-run="r1"]')!.textContent).toContain('draft');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Stage'), { target: { value: 'live' } });
    await waitFor(() => expect(region.querySelectorAll('tbody tr').length).toBe(1));
    expect(listRuns).toHaveBeenLastCalledWith('p', 'f1', { limit: 20, stage: 'live' });
    fireEvent.click(within(region.querySelector('tr[data-run="r9"]') as HTMLElement).getByRole('button'));
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ id: 'r9' }));
  });

  it('says it is refreshing (the list busy) while Refresh reads the runs again', async () => {
    let answer: (v: { items: Run[] }) => void = () => {};
    const listRuns = vi
      .fn<RunsApi['listRuns']>()
      .mockResolvedValueOnce({ items: [run('r1')] })
      .mockImplementationOnce(() => new Promise((r) => (answer = r)));
    render(<RunHistory api={{ listRuns }} project="p" flow="f1" stages={[]} refreshKey="" onOpen={() => {}} onClose={() => {}} />);
    const region = screen.getByRole('region', { name: 'Run history' });
    await waitFor(() => expect(region.querySelector('tr[data-run="r1"]')).not.toBeNull());
    fireEvent.click(within(region).getByRole('button', { name: 'Refresh' }));
    const busy = within(region).getByRole('button', { name: 'Refreshing…' }) as HTMLButtonElement;
    expect(busy.disabled).toBe(true);
    expect(within(region).getByRole('table').getAttribute('aria-busy')).toBe('true');
    await act(async () => answer({ items: [run('r2'), run('r1')] }));
    expect(within(region).getByRole('button', { name: 'Refresh' })).toBeTruthy();
    expect(within(region).getByRole('table').getAttribute('aria-busy')).toBeNull();
  });

  it('says when there are no runs and shows errors with a retry', async () => {
    const listRuns = vi.fn<RunsApi['listRuns']>().mockRejectedValueOnce(new Error('Server error')).mockResolvedValueOnce({ items: [] });
    render(<RunHistory api={{ listRuns }} project="p" flow="f1" stages={[]} refreshKey="" onOpen={() => {}} onClose={() => {}} />);
    expect((await screen.findByRole('alert')).textContent).toContain('Server error');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByText(/No runs yet/);
  });

  it("says what else starts the flow when it has no runs: a schedule fires, it is not called", async () => {
    const listRuns = vi.fn<RunsApi['listRuns']>().mockResolvedValue({ items: [] });
    const hint = async (kind: 'route' | 'schedule' | 'blueprint' | 'service') => {
      render(<RunHistory api={{ listRuns }} project="p" flow="f1" kind={kind} stages={[]} refreshKey="" onOpen={() => {}} onClose={() => {}} />);
      const text = (await screen.findByText(/No runs yet/)).textContent;
      cleanup();
      return text;
    };
    expect(await hint('route')).toBe('No runs yet. Press ▶ Run, or call the published route.');
    expect(await hint('schedule')).toBe('No runs yet. Press ▶ Run, or publish and enable the schedule.');
    expect(await hint('blueprint')).toBe('No runs yet. Press ▶ Run.');
    expect(await hint('service')).toBe('No runs yet. Press ▶ Run, or call it from another flow.');
    // an empty flow: ▶ Run waits for a node, and the hint says so instead of pointing at it
    render(<RunHistory api={{ listRuns }} project="p" flow="f1" kind="route" emptyFlow stages={[]} refreshKey="" onOpen={() => {}} onClose={() => {}} />);
    expect((await screen.findByText(/No runs yet/)).textContent).toBe('No runs yet. Add a trigger from the palette, then press ▶ Run.');
  });
});
