// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Run } from '../api/types';
import type { RunsApi } from './history';
import { RunHistory } from './RunHistory';

afterEach(cleanup);

const run = (id: string, extra: Partial<Run> = {}): Run => ({
  id, flow: 'f1', stage: 'mock', version: 0, trigger: 'editor', status: 'success', started_at: '2026-01-01T10:00:00Z', duration_ms: 1340, expires_at: 'x', ...extra,
});

describe('RunHistory', () => {
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
  });
});
