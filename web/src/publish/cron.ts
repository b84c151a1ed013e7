// A plain-language description of a 5-field cron expression (minute hour day-of-month month
// day-of-week), shown under the schedule form's cron field as the person types. The server
// checks the expression and computes the fire times; this only has to read well and to name
// the field that is wrong.

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A cron expression that cannot be read; field names the part (e.g. "hour"). */
export class CronError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'CronError';
  }
}

/** One comma-separated part of a field: a range (from = to for one value) with a step. */
interface Part {
  from: number;
  to: number;
  step: number;
  /** Written as a star, alone or with a step. */
  all: boolean;
}

interface Field {
  name: string;
  min: number;
  max: number;
  parts: Part[];
  /** Every value of the range (a lone star). */
  any: boolean;
  values: number[];
}

function parseNumber(s: string, field: string, min: number, max: number, names?: string[]): number {
  const lower = s.toLowerCase();
  if (names) {
    const i = names.indexOf(lower);
    if (i >= 0) return i + min;
  }
  if (!/^\d+$/.test(s)) throw new CronError(field, `"${s}" is not a number`);
  const n = Number(s);
  if (n < min || n > max) throw new CronError(field, `${n} is outside ${min}–${max}`);
  return n;
}

function parseField(text: string, name: string, min: number, max: number, names?: string[]): Field {
  if (!text) throw new CronError(name, 'is empty');
  const parts: Part[] = [];
  // day-of-week accepts 7 for Sunday
  const hi = name === 'day of week' ? 7 : max;
  for (const raw of text.split(',')) {
    if (!raw) throw new CronError(name, `"${text}" has an empty list item`);
    const [range = '', stepText, extra] = raw.split('/');
    if (extra !== undefined) throw new CronError(name, `"${raw}" has two steps`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new CronError(name, `step "${stepText}" must be a positive number`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    let all = false;
    if (range === '*' || range === '?') {
      from = min;
      to = max;
      all = true;
    } else if (range.includes('-')) {
      const [a = '', b = '', more] = range.split('-');
      if (more !== undefined) throw new CronError(name, `"${range}" is not a range`);
      from = parseNumber(a, name, min, hi, names);
      to = parseNumber(b, name, min, hi, names);
      if (to < from) throw new CronError(name, `range ${a}-${b} runs backwards`);
    } else {
      from = parseNumber(range, name, min, hi, names);
      to = stepText !== undefined ? max : from;
    }
    parts.push({ from, to, step, all });
  }
  const set = new Set<number>();
  for (const p of parts) for (let v = p.from; v <= p.to; v += p.step) set.add(name === 'day of week' && v === 7 ? 0 : v);
  const values = [...set].sort((a, b) => a - b);
  const any = parts.length === 1 && parts[0]!.all && parts[0]!.step === 1;
  return { name, min, max, parts, any, values };
}

/** The five fields, checked; macros such as @daily are expanded first. */
export function parseCron(expr: string): { minute: Field; hour: Field; dom: Field; month: Field; dow: Field } {
  let s = expr.trim();
  if (!s) throw new CronError('cron', 'is empty');
  const macro = MACROS[s.toLowerCase()];
  if (macro) s = macro;
  else if (s.startsWith('@')) throw new CronError('cron', `unknown macro ${s}`);
  const f = s.split(/\s+/);
  if (f.length !== 5) throw new CronError('cron', `needs 5 fields (minute hour day-of-month month day-of-week), got ${f.length}`);
  return {
    minute: parseField(f[0]!, 'minute', 0, 59),
    hour: parseField(f[1]!, 'hour', 0, 23),
    dom: parseField(f[2]!, 'day of month', 1, 31),
    month: parseField(f[3]!, 'month', 1, 12, MONTH_NAMES),
    dow: parseField(f[4]!, 'day of week', 0, 6, DAY_NAMES),
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (h: number, m: number) => `${pad(h)}:${pad(m)}`;

/** "a", "a and b", "a, b and c". */
function join(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function ordinal(n: number): string {
  const t = n % 100;
  if (t >= 11 && t <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/** A step over the whole range (a star or the minimum with a step). */
function everyStep(f: Field): number | null {
  const p = f.parts[0];
  if (f.parts.length !== 1 || !p || p.step === 1) return null;
  if (p.from === f.min && p.to === f.max) return p.step;
  return null;
}

/** The parts of a field as words, with label(n) naming one value. */
function partsText(f: Field, label: (n: number) => string): string {
  return join(
    f.parts.map((p) => {
      if (p.all && p.step > 1) return `every ${ordinal(p.step)}`;
      const sunday = (n: number) => (n === 7 && f.name === 'day of week' ? 0 : n);
      if (p.from === p.to) return label(sunday(p.from));
      const range = `${label(sunday(p.from))}–${label(sunday(p.to))}`;
      return p.step > 1 ? `every ${ordinal(p.step)} from ${range}` : range;
    }),
  );
}

function describeTime(minute: Field, hour: Field): string {
  const singles = (f: Field) => f.parts.every((p) => p.from === p.to);
  const mStep = everyStep(minute);
  const hStep = everyStep(hour);
  // a handful of exact times
  if (singles(minute) && singles(hour) && minute.values.length * hour.values.length <= 6) {
    const times: string[] = [];
    for (const h of hour.values) for (const m of minute.values) times.push(hhmm(h, m));
    return `At ${join(times)}`;
  }
  const within = (): string => {
    if (hour.any) return '';
    if (hStep) return `, every ${hStep} hours`;
    if (hour.parts.length === 1 && hour.parts[0]!.step === 1) {
      const p = hour.parts[0]!;
      return `, between ${hhmm(p.from, 0)} and ${hhmm(p.to, 59)}`;
    }
    return `, during hour ${partsText(hour, pad)}`;
  };
  if (minute.any) return `Every minute${within()}`;
  if (mStep) return `Every ${mStep} minutes${within()}`;
  if (singles(minute) && minute.values.length === 1) {
    const m = minute.values[0]!;
    if (hour.any) return m === 0 ? 'Every hour' : `At minute ${m} of every hour`;
    if (hStep) return m === 0 ? `Every ${hStep} hours` : `At minute ${m}, every ${hStep} hours`;
    return `At minute ${m}${within()}`;
  }
  return `At minute ${partsText(minute, String)}${hour.any ? ' of every hour' : within()}`;
}

function describeDays(dom: Field, month: Field, dow: Field): string {
  const out: string[] = [];
  const days: string[] = [];
  if (!dom.any) {
    const step = everyStep(dom);
    days.push(step ? `every ${step} days` : `on day ${partsText(dom, String)} of the month`);
  }
  if (!dow.any) days.push(`on ${partsText(dow, (n) => DAYS[n] ?? String(n))}`);
  // cron fires when either day field matches if both are restricted
  if (days.length) out.push(days.join(' or '));
  else out.push('every day');
  if (!month.any) {
    const step = everyStep(month);
    out.push(step ? `every ${step} months` : `in ${partsText(month, (n) => MONTHS[n - 1] ?? String(n))}`);
  }
  return out.join(' ');
}

/**
 * Describes a cron expression in plain words, e.g. "Every 15 minutes" or "At 09:00 on
 * Monday–Friday". Throws CronError naming the wrong field.
 */
export function describeCron(expr: string): string {
  const c = parseCron(expr);
  const time = describeTime(c.minute, c.hour);
  const days = describeDays(c.dom, c.month, c.dow);
  // "Every 15 minutes every day" says nothing more than "Every 15 minutes"
  if (days === 'every day' && !/^At \d\d:\d\d/.test(time)) return time;
  return `${time} ${days}`;
}

/** describeCron without throwing: the text, or the error message. */
export function tryDescribeCron(expr: string): { ok: true; text: string } | { ok: false; error: string } {
  try {
    return { ok: true, text: describeCron(expr) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
