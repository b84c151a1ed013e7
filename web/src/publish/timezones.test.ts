import { describe, expect, it } from 'vitest';
import { FALLBACK_ZONES, formatOffset, isZone, offsetMinutes, RENAMED, searchZones, timeZones, typedOffset, zoneOffset } from './timezones';

const winter = new Date('2026-01-15T12:00:00Z');
const summer = new Date('2026-07-15T12:00:00Z');

describe('the time zones offered', () => {
  it("are every zone the browser lists, none left out, UTC first and once", () => {
    const all = Intl.supportedValuesOf('timeZone');
    const z = timeZones();
    expect(z[0]).toBe('UTC');
    expect(new Set(z).size).toBe(z.length);
    expect(z.length).toBe(all.filter((x) => x !== 'UTC').length + 1);
    expect(z.length).toBeGreaterThan(400);
    expect(z).toContain('Pacific/Kiritimati');
  });

  it("are under today's names where the engine lists an old one (Chromium's Asia/Calcutta is Asia/Kolkata)", () => {
    // what Chromium and Node list: ICU keeps CLDR's old ids
    const listed = ['Asia/Calcutta', 'Europe/Amsterdam', 'Europe/Kiev', 'America/Buenos_Aires', 'Asia/Saigon', 'UTC'];
    expect(timeZones(() => listed)).toEqual(['UTC', 'America/Argentina/Buenos_Aires', 'Asia/Ho_Chi_Minh', 'Asia/Kolkata', 'Europe/Amsterdam', 'Europe/Kyiv']);
    const z = timeZones();
    for (const old of Object.keys(RENAMED)) expect(z).not.toContain(old);
    expect(z).toEqual(expect.arrayContaining(['Asia/Kolkata', 'Europe/Kyiv', 'Asia/Kathmandu', 'Asia/Yangon', 'America/Nuuk']));
    // every new name is one the engine knows, at the old one's offset
    for (const [old, now] of Object.entries(RENAMED)) {
      expect(isZone(now)).toBe(true);
      expect(zoneOffset(now, winter)).toBe(zoneOffset(old, winter));
    }
  });

  it('fall back to a built-in list when the engine cannot list its zones', () => {
    const z = timeZones(() => {
      throw new TypeError('Intl.supportedValuesOf is not a function');
    });
    expect(z).toEqual(['UTC', ...FALLBACK_ZONES]);
    expect(timeZones(() => [])).toEqual(['UTC', ...FALLBACK_ZONES]);
    // every fallback zone is one the engine (and so the server's tz database) knows
    expect(FALLBACK_ZONES.filter((x) => !isZone(x))).toEqual([]);
  });
});

describe('offsets', () => {
  it('are worked out at a moment, summer time included', () => {
    expect(offsetMinutes('Europe/Amsterdam', winter)).toBe(60);
    expect(offsetMinutes('Europe/Amsterdam', summer)).toBe(120);
    expect(offsetMinutes('Asia/Kolkata', winter)).toBe(330);
    expect(offsetMinutes('America/St_Johns', winter)).toBe(-210);
    expect(offsetMinutes('UTC', summer)).toBe(0);
    expect(offsetMinutes('Mars/Base', winter)).toBeNull();
  });

  it('read as UTC±hh:mm', () => {
    expect(formatOffset(0)).toBe('UTC');
    expect(formatOffset(330)).toBe('UTC+05:30');
    expect(formatOffset(-210)).toBe('UTC−03:30');
    expect(zoneOffset('America/New_York', winter)).toBe('UTC−05:00');
    expect(zoneOffset('Mars/Base', winter)).toBe('');
  });
});

describe('searching zones', () => {
  const zones = ['UTC', 'America/New_York', 'Asia/Colombo', 'Asia/Kolkata', 'Europe/Amsterdam', 'Europe/London', 'America/Argentina/Buenos_Aires', 'Australia/Lord_Howe'];
  const offsetOf = (z: string) => zoneOffset(z, winter);

  it('finds by city words, with or without the underscore, whatever the case', () => {
    expect(searchZones(zones, 'new york', offsetOf)).toEqual(['America/New_York']);
    expect(searchZones(zones, 'NEW_YORK', offsetOf)).toEqual(['America/New_York']);
    expect(searchZones(zones, 'buenos', offsetOf)).toEqual(['America/Argentina/Buenos_Aires']);
    expect(searchZones(zones, 'europe', offsetOf)).toEqual(['Europe/Amsterdam', 'Europe/London']);
  });

  it('finds a renamed zone by its old name too', () => {
    const z = ['Asia/Kolkata', 'Europe/Kyiv', 'Asia/Ho_Chi_Minh'];
    expect(searchZones(z, 'kolkata', offsetOf)).toEqual(['Asia/Kolkata']);
    expect(searchZones(z, 'calcutta', offsetOf)).toEqual(['Asia/Kolkata']);
    expect(searchZones(z, 'kiev', offsetOf)).toEqual(['Europe/Kyiv']);
    expect(searchZones(z, 'saigon', offsetOf)).toEqual(['Asia/Ho_Chi_Minh']);
  });

  it('puts the zones whose city starts with the search first', () => {
    expect(searchZones(zones, 'lo', offsetOf)).toEqual(['Europe/London', 'Australia/Lord_Howe', 'Asia/Colombo']);
  });

  it('finds by offset, long or short', () => {
    expect(searchZones(zones, '+05:30', offsetOf)).toEqual(['Asia/Colombo', 'Asia/Kolkata']);
    expect(searchZones(zones, 'utc+5:30', offsetOf)).toEqual(['Asia/Colombo', 'Asia/Kolkata']);
    expect(searchZones(zones, 'utc+1', offsetOf)).toEqual(['Europe/Amsterdam', 'Australia/Lord_Howe']);
    expect(searchZones(zones, '-5', offsetOf)).toEqual(['America/New_York']);
  });

  it('finds the zones at UTC by their offset, +00:00 or +0, as any other offset', () => {
    // their offset reads "UTC", which a search for +00:00 did not match
    expect(searchZones(zones, '+00:00', offsetOf)).toEqual(['UTC', 'Europe/London']);
    // +0 is also how +05:30 and +01:00 start: those follow the zones at exactly +0
    expect(searchZones(zones, 'utc+0', offsetOf)).toEqual(['UTC', 'Europe/London', 'Asia/Colombo', 'Asia/Kolkata', 'Europe/Amsterdam']);
  });

  it('puts the zones at exactly the offset typed before those whose offset only contains it', () => {
    const more = ['Australia/Sydney', 'Asia/Tokyo', 'Europe/Amsterdam', 'Pacific/Auckland'];
    // Sydney is at +11:00, Auckland at +13:00 in January: they contain "+1" but are not at +1
    expect(searchZones(more, '+1', offsetOf)).toEqual(['Europe/Amsterdam', 'Australia/Sydney', 'Pacific/Auckland']);
    expect(searchZones(more, '+11', offsetOf)).toEqual(['Australia/Sydney']);
    expect(typedOffset('+1')).toBe('UTC+01:00');
    expect(typedOffset('UTC-5:30')).toBe('UTC−05:30');
    expect(typedOffset('+0530')).toBe('UTC+05:30');
    expect(typedOffset('+0')).toBe('UTC');
    expect(typedOffset('amsterdam')).toBeNull();
    expect(typedOffset('+15')).toBeNull();
  });

  it('shows everything for an empty search and nothing for a miss', () => {
    expect(searchZones(zones, '  ', offsetOf)).toEqual(zones);
    expect(searchZones(zones, 'atlantis', offsetOf)).toEqual([]);
  });
});
