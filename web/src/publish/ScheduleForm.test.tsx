// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schedule } from '../api/types';
import { ScheduleForm, timeZones, untilPassed } from './ScheduleForm';
import { type Call, changed, type Handler, invalid, mockApi } from './testing';

afterEach(cleanup);

const PATH = /^\/tenants\/t1\/projects\/p1\/flows\/f1\/schedule$/;
const saved: Schedule = {
  cron: '0 9 * * 1-5',
  description: 'At 09:00 on Monday through Friday',
  timezone: 'Europe/Amsterdam',
  enabled: true,
  next_runs: ['2026-12-01T08:00:00Z', '2026-12-02T08:00:00Z', '2026-12-03T08:00:00Z', '2026-12-04T08:00:00Z', '2026-12-07T08:00:00Z'],
  published: { prod: 2 },
  updated_at: '2026-11-01T00:00:00Z',
};
const fifteen = ['2026-12-01T08:15:00Z', '2026-12-01T08:30:00Z', '2026-12-01T08:45:00Z', '2026-12-01T09:00:00Z', '2026-12-01T09:15:00Z'];

function setup(extra: Handler[] = []) {
  const m = mockApi([['GET', PATH, { body: saved }], ['POST', /^\/schedule-preview$/, { body: { description: 'Every 15 minutes', next_runs: fifteen } }], ...extra]);
  render(<ScheduleForm api={m.api} project="p1" flow="f1" previewDelayMs={10} />);
  return m;
}

describe('ScheduleForm', () => {
  it('describes the cron and lists the next five fire times of the saved schedule', async () => {
    setup();
    expect((await screen.findByTestId('cron-description')).textContent).toBe('At 09:00 on Monday–Friday');
    const runs = screen.getByTestId('next-runs').querySelectorAll('time');
    expect([...runs].map((t) => t.getAttribute('datetime'))).toEqual(saved.next_runs);
    expect((screen.getByLabelText('Time zone') as HTMLSelectElement).value).toBe('Europe/Amsterdam');
    expect(screen.getByTestId('schedule-published').textContent).toBe('Fires on prod (v2).');
    expect(screen.queryByTestId('not-firing')).toBeNull();
  });

  it('lists no fire times, and says why, for a schedule that does not fire', async () => {
    // disabled: the API lists none (not_firing); switching it on previews when it will fire
    const off: Schedule = { ...saved, enabled: false, next_runs: [], not_firing: 'disabled' };
    let m = mockApi([['GET', PATH, { body: off }], ['POST', /^\/schedule-preview$/, { body: { description: saved.description, next_runs: saved.next_runs } }]]);
    render(<ScheduleForm api={m.api} project="p1" flow="f1" previewDelayMs={10} />);
    expect((await screen.findByTestId('not-firing')).textContent).toBe(
      'None: disabled, it does not fire on the stages it is published to. Enable it and save to make it fire.',
    );
    expect(screen.queryByTestId('next-runs')).toBeNull();
    fireEvent.click(screen.getByRole('switch'));
    await waitFor(() => expect([...screen.getByTestId('next-runs').querySelectorAll('time')].map((t) => t.getAttribute('datetime'))).toEqual(saved.next_runs));
    expect(screen.queryByTestId('not-firing')).toBeNull();
    // switched off again, before saving: none again
    fireEvent.click(screen.getByRole('switch'));
    expect(screen.queryByTestId('next-runs')).toBeNull();
    expect(screen.getByTestId('not-firing')).toBeTruthy();
    cleanup();

    // published nowhere: none either, even while the preview of what is typed has times
    const unpublished: Schedule = { ...saved, published: {}, next_runs: [], not_firing: 'not_published' };
    m = mockApi([['GET', PATH, { body: unpublished }], ['POST', /^\/schedule-preview$/, { body: { description: 'Every 15 minutes', next_runs: fifteen } }]]);
    render(<ScheduleForm api={m.api} project="p1" flow="f1" previewDelayMs={10} />);
    expect((await screen.findByTestId('not-firing')).textContent).toBe('None: published to no stage, it does not fire.');
    fireEvent.change(screen.getByLabelText(/^Cron/), { target: { value: '*/15 * * * *' } });
    await waitFor(() => expect(m.calls.some((c) => c.path === '/schedule-preview')).toBe(true));
    expect(screen.queryByTestId('next-runs')).toBeNull();
    expect(screen.getByTestId('schedule-published').textContent).toBe('Not published to any stage yet: publish it to make it fire.');
    cleanup();

    // its project in the trash: none, and why
    m = mockApi([['GET', PATH, { body: { ...saved, next_runs: [], not_firing: 'in_trash' } }]]);
    render(<ScheduleForm api={m.api} project="p1" flow="f1" previewDelayMs={10} />);
    expect((await screen.findByTestId('not-firing')).textContent).toBe('None: the project is in the trash, where nothing fires. Restore it to make it fire.');
    expect(screen.queryByTestId('next-runs')).toBeNull();
  });

  it('previews what is typed with the API and describes it at once', async () => {
    const { calls } = setup();
    await screen.findByTestId('cron-description');
    fireEvent.change(screen.getByLabelText(/^Cron/), { target: { value: '*/15 * * * *' } });
    expect(screen.getByTestId('cron-description').textContent).toBe('Every 15 minutes');
    await waitFor(() => expect([...screen.getByTestId('next-runs').querySelectorAll('time')].map((t) => t.getAttribute('datetime'))).toEqual(fifteen));
    expect(calls.find((c) => c.path === '/schedule-preview')?.body).toEqual({ cron: '*/15 * * * *', timezone: 'Europe/Amsterdam', enabled: true });
    fireEvent.change(screen.getByLabelText(/^Cron/), { target: { value: '0 25 * * *' } });
    expect(screen.getByTestId('cron-description').textContent).toBe('hour: 25 is outside 0–23');
    expect(screen.getByLabelText(/^Cron/).getAttribute('aria-invalid')).toBe('true');
  });

  it('sends cron, zone, window and enabled', async () => {
    const { calls } = setup([['PUT', PATH, (c: Call) => ({ body: { ...saved, ...(c.body as object), next_runs: [] } })]]);
    await screen.findByTestId('cron-description');
    fireEvent.change(screen.getByLabelText(/^Cron/), { target: { value: ' 30 6 * * * ' } });
    // the time zone is searched in its own field and picked from what it finds
    const tz = screen.getByRole('combobox', { name: 'Time zone' });
    fireEvent.change(tz, { target: { value: 'tokyo' } });
    const zones = screen.getByRole('listbox', { name: 'Time zones' });
    expect(within(zones).getAllByRole('option').map((o) => o.textContent)).toContain('Asia/TokyoUTC+09:00');
    fireEvent.click(within(zones).getByRole('option', { name: /Asia\/Tokyo/ }));
    expect((tz as HTMLInputElement).value).toBe('Asia/Tokyo');
    expect(screen.queryByRole('listbox')).toBeNull();
    fireEvent.change(screen.getByLabelText('Start'), { target: { value: '2027-01-01T00:00' } });
    fireEvent.change(screen.getByLabelText('End'), { target: { value: '2027-06-30T12:30' } });
    fireEvent.click(screen.getByRole('switch', { name: 'Enabled' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    await screen.findByText('Saved');
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
      cron: '30 6 * * *',
      timezone: 'Asia/Tokyo',
      start: new Date('2027-01-01T00:00').toISOString(),
      end: new Date('2027-06-30T12:30').toISOString(),
      enabled: false,
    });
  });

  it('sends the etag last read as If-Match, and the tag the save answered with the next save', async () => {
    const m = mockApi([
      ['GET', PATH, { body: saved, headers: { ETag: '"s1"' } }],
      ['POST', /^\/schedule-preview$/, { body: { description: 'Every 15 minutes', next_runs: fifteen } }],
      ['PUT', PATH, (c: Call) => ({ body: { ...saved, ...(c.body as object) }, headers: { ETag: c.ifMatch === '"s1"' ? '"s2"' : '"s3"' } })],
    ]);
    render(<ScheduleForm api={m.api} project="p1" flow="f1" previewDelayMs={10} />);
    await screen.findByTestId('cron-description');
    fireEvent.click(screen.getByRole('switch', { name: 'Enabled' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    await screen.findByText('Saved');
    fireEvent.click(screen.getByRole('switch', { name: 'Enabled' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    await screen.findByText('Saved');
    expect(m.calls.filter((c) => c.method === 'PUT').map((c) => c.ifMatch)).toEqual(['"s1"', '"s2"']);
  });

  it('keeps what was typed when the schedule changed meanwhile (412), says so with the schedule as it is now, and saves again over its new tag', async () => {
    let current: { s: Schedule; tag: string } = { s: saved, tag: '"s1"' };
    const m = mockApi([
      ['GET', PATH, () => ({ body: current.s, headers: { ETag: current.tag } })],
      ['POST', /^\/schedule-preview$/, { body: { description: 'Every 15 minutes', next_runs: fifteen } }],
      ['PUT', PATH, (c: Call) => (c.ifMatch === current.tag ? { body: { ...current.s, ...(c.body as object) }, headers: { ETag: '"s3"' } } : changed(current.tag))],
    ]);
    render(<ScheduleForm api={m.api} project="p1" flow="f1" previewDelayMs={10} />);
    await screen.findByTestId('cron-description');
    // someone else disables it and moves it to 07:00 UTC in another tab
    current = { s: { ...saved, cron: '0 7 * * *', timezone: 'UTC', enabled: false }, tag: '"s2"' };
    fireEvent.change(screen.getByLabelText(/^Cron/), { target: { value: '*/15 * * * *' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    const alert = await screen.findByTestId('schedule-changed');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('Changed by someone else since you opened it — what it is now is shown. Apply your change again, or discard it.');
    await waitFor(() => expect(screen.getByTestId('schedule-now').textContent).toBe('Now: 0 7 * * * (UTC), disabled.'));
    // what was typed stays: the expression, the zone and the switch as the person left them
    expect((screen.getByLabelText(/^Cron/) as HTMLInputElement).value).toBe('*/15 * * * *');
    expect((screen.getByLabelText('Time zone') as HTMLInputElement).value).toBe('Europe/Amsterdam');
    expect((screen.getByRole('switch', { name: 'Enabled' }) as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByText('Saved')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Save schedule' })));
    fireEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    await screen.findByText('Saved');
    const puts = m.calls.filter((c) => c.method === 'PUT');
    expect(puts.map((c) => c.ifMatch)).toEqual(['"s1"', '"s2"']);
    expect((puts[1]!.body as { cron: string }).cron).toBe('*/15 * * * *');
  });

  it('shows the API validation errors on their fields', async () => {
    setup([['PUT', PATH, invalid([{ location: 'body.timezone', message: 'unknown time zone "Mars/Base"' }, { location: 'body.end', message: 'must be after start' }])]]);
    await screen.findByTestId('cron-description');
    fireEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    expect(await screen.findByText('unknown time zone "Mars/Base"')).toBeTruthy();
    expect(screen.getByText('End: must be after start')).toBeTruthy();
    expect(screen.getByLabelText('Time zone').className).toContain('invalid');
    expect(screen.getByLabelText('Time zone').getAttribute('aria-describedby')).toBe('ps-tz-now ps-tz-error');
    expect(screen.getByLabelText('Time zone').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('End').className).toContain('invalid');
  });

  it('says why there are no fire times when the preview is refused (it said "Working them out…" for ever), and ties the window errors to their fields', async () => {
    const m = mockApi([['GET', PATH, { body: saved }], ['POST', /^\/schedule-preview$/, invalid([{ location: 'body.end', message: 'must be after start' }])]]);
    render(<ScheduleForm api={m.api} project="p1" flow="f1" previewDelayMs={10} />);
    await screen.findByTestId('cron-description');
    fireEvent.change(screen.getByLabelText('Start'), { target: { value: '2027-05-01T10:00' } });
    fireEvent.change(screen.getByLabelText('End'), { target: { value: '2027-04-01T10:00' } });
    expect(await screen.findByText('Fix the end to see when it fires.')).toBeTruthy();
    expect(screen.queryByText('Working them out…')).toBeNull();
    const end = screen.getByLabelText('End');
    expect(end.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(end.getAttribute('aria-describedby')!)?.textContent).toBe('End: must be after start');
    expect(screen.getByLabelText('Start').getAttribute('aria-invalid')).toBeNull();
  });

  it('lists the IANA zones with UTC first', () => {
    const z = timeZones();
    expect(z[0]).toBe('UTC');
    expect(z).toContain('Europe/Amsterdam');
    expect(new Set(z).size).toBe(z.length);
  });
});

describe('ScheduleForm keeps up', () => {
  afterEach(() => vi.useRealTimers());

  it('reads the schedule again when the publications change (a publish from the toolbar)', async () => {
    let reads = 0;
    const m = mockApi([['GET', PATH, () => ({ body: ++reads === 1 ? { ...saved, published: {} } : { ...saved, published: { dev: 3 } } })]]);
    const view = render(<ScheduleForm api={m.api} project="p1" flow="f1" refreshKey="" />);
    expect((await screen.findByTestId('schedule-published')).textContent).toBe('Not published to any stage yet: publish it to make it fire.');
    view.rerender(<ScheduleForm api={m.api} project="p1" flow="f1" refreshKey="dev:3" />);
    await waitFor(() => expect(screen.getByTestId('schedule-published').textContent).toBe('Fires on dev (v3).'));
    expect(screen.queryByText(/Loading/)).toBeNull();
    expect(reads).toBe(2);
  });

  it('works the next fire times out again once the first has passed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2026-12-01T07:59:00Z'));
    let reads = 0;
    const later = { ...saved, next_runs: [...saved.next_runs.slice(1), '2026-12-08T08:00:00Z'] };
    const m = mockApi([['GET', PATH, () => ({ body: ++reads === 1 ? saved : later })]]);
    render(<ScheduleForm api={m.api} project="p1" flow="f1" />);
    await act(() => vi.advanceTimersByTimeAsync(0));
    const shown = () => [...screen.getByTestId('next-runs').querySelectorAll('time')].map((t) => t.getAttribute('datetime'));
    expect(shown()).toEqual(saved.next_runs);
    await act(() => vi.advanceTimersByTimeAsync(30_000));
    expect(reads).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(35_000));
    expect(reads).toBe(2);
    expect(shown()).toEqual(later.next_runs);
  });

  it('waits until just after the first time, within bounds', () => {
    const now = Date.parse('2026-12-01T07:00:00Z');
    expect(untilPassed(undefined, now)).toBeNull();
    expect(untilPassed('nonsense', now)).toBeNull();
    expect(untilPassed('2026-12-01T07:00:30Z', now)).toBe(31_000);
    expect(untilPassed('2026-12-01T06:00:00Z', now)).toBe(5000);
    expect(untilPassed('2026-12-09T07:00:00Z', now)).toBe(3_600_000);
  });
});
