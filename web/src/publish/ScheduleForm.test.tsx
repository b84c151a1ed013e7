// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Schedule } from '../api/types';
import { ScheduleForm, timeZones } from './ScheduleForm';
import { type Call, type Handler, invalid, mockApi } from './testing';

afterEach(cleanup);

const PATH = /^\/tenants\/t1\/projects\/p1\/flows\/f1\/schedule$/;
const saved: Schedule = {
  cron: '0 9 * * 1-5',
  description: 'At 09:00 on Monday through Friday',
  timezone: 'Europe/Amsterdam',
  enabled: true,
  next_runs: ['2026-12-01T08:00:00Z', '2026-12-02T08:00:00Z', '2026-12-03T08:00:00Z', '2026-12-04T08:00:00Z', '2026-12-07T08:00:00Z'],
  published: {},
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
    expect(screen.getByTestId('schedule-published').textContent).toBe('Not published to any stage yet: publish it to make it fire.');
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
    fireEvent.change(screen.getByLabelText('Search time zones'), { target: { value: 'tokyo' } });
    const tz = screen.getByLabelText('Time zone') as HTMLSelectElement;
    expect([...tz.options].map((o) => o.value)).toContain('Asia/Tokyo');
    fireEvent.change(tz, { target: { value: 'Asia/Tokyo' } });
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

  it('shows the API validation errors on their fields', async () => {
    setup([['PUT', PATH, invalid([{ location: 'body.timezone', message: 'unknown time zone "Mars/Base"' }, { location: 'body.end', message: 'must be after start' }])]]);
    await screen.findByTestId('cron-description');
    fireEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    expect(await screen.findByText('unknown time zone "Mars/Base"')).toBeTruthy();
    expect(screen.getByText('End: must be after start')).toBeTruthy();
    expect(screen.getByLabelText('Time zone').className).toContain('invalid');
    expect(screen.getByLabelText('End').className).toContain('invalid');
  });

  it('lists the IANA zones with UTC first', () => {
    const z = timeZones();
    expect(z[0]).toBe('UTC');
    expect(z).toContain('Europe/Amsterdam');
    expect(new Set(z).size).toBe(z.length);
  });
});
