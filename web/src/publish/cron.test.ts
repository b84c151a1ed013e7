import { describe, expect, it } from 'vitest';
import { CronError, describeCron, tryDescribeCron } from './cron';

describe('describeCron', () => {
  const cases: [string, string][] = [
    ['* * * * *', 'Every minute'],
    ['*/15 * * * *', 'Every 15 minutes'],
    ['0/5 * * * *', 'Every 5 minutes'],
    ['0 * * * *', 'Every hour'],
    ['30 * * * *', 'At minute 30 of every hour'],
    ['0 */2 * * *', 'Every 2 hours'],
    ['15 */6 * * *', 'At minute 15, every 6 hours'],
    ['30 9 * * *', 'At 09:30 every day'],
    ['0 9 * * 1-5', 'At 09:00 on Monday–Friday'],
    ['0 9 * * MON-FRI', 'At 09:00 on Monday–Friday'],
    ['0 9,17 * * *', 'At 09:00 and 17:00 every day'],
    ['0,30 8 * * 1,3,5', 'At 08:00 and 08:30 on Monday, Wednesday and Friday'],
    ['0 0 1 * *', 'At 00:00 on day 1 of the month'],
    ['0 12 1,15 * *', 'At 12:00 on day 1 and 15 of the month'],
    ['0 0 * * 0', 'At 00:00 on Sunday'],
    ['0 0 * * 7', 'At 00:00 on Sunday'],
    ['0 0 1 1 *', 'At 00:00 on day 1 of the month in January'],
    ['0 6 * 1-3 *', 'At 06:00 every day in January–March'],
    ['0 6 * JUL *', 'At 06:00 every day in July'],
    ['*/5 9-17 * * 1-5', 'Every 5 minutes, between 09:00 and 17:59 on Monday–Friday'],
    ['* 9 * * *', 'Every minute, between 09:00 and 09:59'],
    ['0 0 13 * 5', 'At 00:00 on day 13 of the month or on Friday'],
    ['0 0 */2 * *', 'At 00:00 every 2 days'],
    ['@daily', 'At 00:00 every day'],
    ['@hourly', 'Every hour'],
    ['@weekly', 'At 00:00 on Sunday'],
    ['  0   9  *  *  1  ', 'At 09:00 on Monday'],
  ];
  it.each(cases)('%s → %s', (expr, want) => {
    expect(describeCron(expr)).toBe(want);
  });

  const bad: [string, string, RegExp][] = [
    ['', 'cron', /empty/],
    ['* * * *', 'cron', /5 fields.*got 4/],
    ['60 * * * *', 'minute', /60 is outside 0–59/],
    ['0 24 * * *', 'hour', /outside 0–23/],
    ['0 0 0 * *', 'day of month', /outside 1–31/],
    ['0 0 * 13 *', 'month', /outside 1–12/],
    ['0 0 * * 8', 'day of week', /outside/],
    ['*/0 * * * *', 'minute', /step "0"/],
    ['5-1 * * * *', 'minute', /backwards/],
    ['a * * * *', 'minute', /"a" is not a number/],
    ['1,,2 * * * *', 'minute', /empty list item/],
    ['@sometimes', 'cron', /unknown macro/],
  ];
  it.each(bad)('refuses %j naming %s', (expr, field, msg) => {
    let err: unknown;
    try {
      describeCron(expr);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CronError);
    expect((err as CronError).field).toBe(field);
    expect((err as CronError).message).toMatch(msg);
  });

  it('tryDescribeCron reports instead of throwing', () => {
    expect(tryDescribeCron('*/10 * * * *')).toEqual({ ok: true, text: 'Every 10 minutes' });
    const r = tryDescribeCron('0 25 * * *');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/^hour: 25 is outside/);
  });
});
