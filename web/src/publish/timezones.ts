// IANA time zones for the schedule form: the browser's full list (Intl.supportedValuesOf, under
// today's names) with a built-in fallback for engines without it, each zone's UTC offset at a
// moment, and the search the time-zone picker filters with (city words, with or without
// underscores, old names too, or an offset).

/** Zones offered when the engine cannot list its own (no Intl.supportedValuesOf). */
export const FALLBACK_ZONES: readonly string[] = [
  'Africa/Abidjan', 'Africa/Accra', 'Africa/Addis_Ababa', 'Africa/Algiers', 'Africa/Cairo', 'Africa/Casablanca', 'Africa/Dar_es_Salaam',
  'Africa/Johannesburg', 'Africa/Kinshasa', 'Africa/Lagos', 'Africa/Nairobi', 'Africa/Tunis',
  'America/Anchorage', 'America/Argentina/Buenos_Aires', 'America/Bogota', 'America/Caracas', 'America/Chicago', 'America/Denver',
  'America/Edmonton', 'America/Guatemala', 'America/Halifax', 'America/Havana', 'America/Lima', 'America/Los_Angeles',
  'America/Mexico_City', 'America/Montevideo', 'America/New_York', 'America/Panama', 'America/Phoenix', 'America/Puerto_Rico',
  'America/Santiago', 'America/Sao_Paulo', 'America/St_Johns', 'America/Toronto', 'America/Vancouver', 'America/Winnipeg',
  'Asia/Almaty', 'Asia/Baghdad', 'Asia/Bangkok', 'Asia/Colombo', 'Asia/Dhaka', 'Asia/Dubai', 'Asia/Ho_Chi_Minh', 'Asia/Hong_Kong',
  'Asia/Jakarta', 'Asia/Jerusalem', 'Asia/Kabul', 'Asia/Karachi', 'Asia/Kathmandu', 'Asia/Kolkata', 'Asia/Kuala_Lumpur', 'Asia/Manila',
  'Asia/Riyadh', 'Asia/Seoul', 'Asia/Shanghai', 'Asia/Singapore', 'Asia/Taipei', 'Asia/Tashkent', 'Asia/Tehran', 'Asia/Tokyo',
  'Asia/Yangon', 'Asia/Yekaterinburg',
  'Atlantic/Azores', 'Atlantic/Canary', 'Atlantic/Reykjavik',
  'Australia/Adelaide', 'Australia/Brisbane', 'Australia/Darwin', 'Australia/Hobart', 'Australia/Melbourne', 'Australia/Perth', 'Australia/Sydney',
  'Europe/Amsterdam', 'Europe/Athens', 'Europe/Belgrade', 'Europe/Berlin', 'Europe/Brussels', 'Europe/Bucharest', 'Europe/Budapest',
  'Europe/Copenhagen', 'Europe/Dublin', 'Europe/Helsinki', 'Europe/Istanbul', 'Europe/Kyiv', 'Europe/Lisbon', 'Europe/London',
  'Europe/Madrid', 'Europe/Moscow', 'Europe/Oslo', 'Europe/Paris', 'Europe/Prague', 'Europe/Rome', 'Europe/Stockholm', 'Europe/Vienna',
  'Europe/Warsaw', 'Europe/Zurich',
  'Pacific/Auckland', 'Pacific/Fiji', 'Pacific/Guam', 'Pacific/Honolulu', 'Pacific/Port_Moresby', 'Pacific/Tongatapu',
];

/**
 * Zones browsers list under a name the tz database has since replaced (ICU keeps the old CLDR
 * ids: Chromium lists Asia/Calcutta, not Asia/Kolkata), with today's name, which zone.tab and the
 * server use and people search for.
 */
export const RENAMED: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** The old name a zone is also found by (Asia/Kolkata: Asia/Calcutta). */
const formerly = new Map(Object.entries(RENAMED).map(([old, now]) => [now, old]));

/**
 * Every IANA zone the browser knows (the fallback list without Intl.supportedValuesOf), under
 * today's names (RENAMED), sorted, UTC first.
 */
export function timeZones(list: () => readonly string[] = () => Intl.supportedValuesOf('timeZone')): string[] {
  let zones: readonly string[] = [];
  try {
    zones = list();
  } catch {
    /* an older engine */
  }
  if (!zones.length) zones = FALLBACK_ZONES;
  const named = zones.map((z) => (RENAMED[z] && isZone(RENAMED[z]) ? RENAMED[z] : z));
  return ['UTC', ...[...new Set(named.filter((z) => z !== 'UTC'))].sort()];
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    } catch {
      f = null;
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Whether the engine knows a zone name (an alias such as US/Eastern too). */
export function isZone(zone: string): boolean {
  return zone.trim() !== '' && formatter(zone) !== null;
}

/** A zone's offset from UTC in minutes at a moment (null for a zone the engine does not know). */
export function offsetMinutes(zone: string, at: Date): number | null {
  const f = formatter(zone);
  if (!f) return null;
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
  const whole = Math.floor(at.getTime() / 1000) * 1000;
  return Math.round((wall - whole) / 60000);
}

/** An offset as "UTC", "UTC+01:00" or "UTC−03:30". */
export function formatOffset(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const a = Math.abs(minutes);
  return `UTC${minutes < 0 ? '−' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** A zone's offset at a moment as shown ("UTC+05:30"); '' for a zone the engine does not know. */
export function zoneOffset(zone: string, at: Date): string {
  const m = offsetMinutes(zone, at);
  return m === null ? '' : formatOffset(m);
}

const norm = (s: string) => s.toLowerCase().replace(/[_/]/g, ' ').replace(/−/g, '-');

/** What a search matches a zone on: its name in words and its offset, long and short ("utc+5:30",
 * "+1"); a zone at UTC also as +00:00 and +0, which is how its offset is typed. */
function haystack(zone: string, offset: string): string {
  const long = offset === 'UTC' ? 'UTC+00:00' : offset;
  const short = long.replace(/([+−-])0?(\d+):00$/, '$1$2').replace(/([+−-])0(\d):/, '$1$2:');
  const old = formerly.get(zone);
  return `${norm(zone)} ${norm(long)} ${norm(short)}${old ? ` ${norm(old)}` : ''}`;
}

/** The offset a search names ("+1", "utc-05:30", "+0530"), as formatOffset shows it; null when it names none. */
export function typedOffset(query: string): string | null {
  const m = /^(?:utc|gmt)?\s*([+−-])\s*(\d{1,2})(?::?(\d{2}))?$/i.exec(query.trim());
  if (!m) return null;
  const h = Number(m[2]);
  const min = Number(m[3] ?? 0);
  if (h > 14 || min > 59) return null;
  return formatOffset((m[1] === '+' ? 1 : -1) * (h * 60 + min));
}

/**
 * The zones a search shows, best first: those whose city starts with what is typed, then those
 * at exactly the offset typed (+1 is UTC+01:00 before UTC+10:00), then the rest that contain
 * every word of it (in name or offset), in list order. An empty search shows all of them.
 */
export function searchZones(zones: readonly string[], query: string, offsetOf: (zone: string) => string): string[] {
  const words = norm(query).split(/\s+/).filter(Boolean);
  if (!words.length) return [...zones];
  const exact = typedOffset(query);
  const tiers: string[][] = [[], [], []];
  for (const z of zones) {
    const offset = offsetOf(z);
    if (!words.every((w) => haystack(z, offset).includes(w))) continue;
    const city = norm(z.slice(z.lastIndexOf('/') + 1));
    const oldCity = formerly.has(z) ? norm(formerly.get(z)!.slice(formerly.get(z)!.lastIndexOf('/') + 1)) : null;
    const q = norm(query).trim();
    tiers[city.startsWith(q) || oldCity?.startsWith(q) ? 0 : exact !== null && offset === exact ? 1 : 2]!.push(z);
  }
  return tiers.flat();
}
