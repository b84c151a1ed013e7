// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeZonePicker } from './TimeZonePicker';
import { timeZones } from './timezones';

afterEach(cleanup);

const winter = new Date('2026-01-15T12:00:00Z');

/** The picker in a form inside a panel that closes on Escape, as the publishing panel does. */
function Harness({ zones, start = 'Europe/Amsterdam', onSubmit = () => {}, onPanelEscape = () => {} }: { zones?: string[]; start?: string; onSubmit?: () => void; onPanelEscape?: () => void }) {
  const [zone, setZone] = useState(start);
  return (
    <div onKeyDown={(e) => e.key === 'Escape' && onPanelEscape()}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <label htmlFor="tz">Time zone</label>
        <TimeZonePicker id="tz" value={zone} onChange={setZone} now={winter} {...(zones ? { zones } : {})} />
        <output data-testid="chosen">{zone}</output>
      </form>
    </div>
  );
}

const box = () => screen.getByRole('combobox', { name: 'Time zone' }) as HTMLInputElement;
const options = () => within(screen.getByRole('listbox', { name: 'Time zones' })).getAllByRole('option');
const activeText = () => document.getElementById(box().getAttribute('aria-activedescendant') ?? '')?.textContent;

describe('TimeZonePicker', () => {
  it("shows the chosen zone with its offset and local time, closed, as a labelled combobox", () => {
    render(<Harness />);
    expect(box().value).toBe('Europe/Amsterdam');
    expect(box().getAttribute('aria-expanded')).toBe('false');
    expect(screen.getByTestId('tz-now').textContent).toMatch(/^Europe\/Amsterdam is UTC\+01:00 now \((13:00|01:00\sPM) there\)\.$/);
    expect(box().getAttribute('aria-describedby')).toBe('tz-now');
    cleanup();
    render(<Harness start="UTC" />);
    expect(screen.getByTestId('tz-now').textContent).toMatch(/^UTC is UTC\+00:00 now/);
    expect(screen.queryByRole('listbox')).toBeNull();
  }, 20_000);

  it('lists every zone when opened, none cut off, each with its offset, the chosen one active', () => {
    render(<Harness />);
    fireEvent.click(box());
    expect(box().getAttribute('aria-expanded')).toBe('true');
    expect(options()).toHaveLength(timeZones().length);
    expect(timeZones().length).toBeGreaterThan(400);
    expect(activeText()).toBe('Europe/Amsterdam (chosen)UTC+01:00');
    expect(options().find((o) => o.textContent?.startsWith('Asia/Tokyo'))?.textContent).toBe('Asia/TokyoUTC+09:00');
  }, 20_000);

  it('filters as you type; arrows move, Enter picks without submitting the form', () => {
    const submit = vi.fn();
    render(<Harness onSubmit={submit} />);
    fireEvent.change(box(), { target: { value: 'new' } });
    expect(options().map((o) => o.textContent!.replace(/UTC.*$/, ''))).toEqual(expect.arrayContaining(['America/New_York']));
    expect(options().every((o) => /new/i.test(o.textContent!))).toBe(true);
    expect(screen.getByText(`${options().length} time zones`)).toBeTruthy();
    const first = activeText();
    fireEvent.keyDown(box(), { key: 'ArrowDown' });
    expect(activeText()).not.toBe(first);
    fireEvent.keyDown(box(), { key: 'ArrowUp' });
    expect(activeText()).toBe(first);
    fireEvent.change(box(), { target: { value: 'new york' } });
    expect(options().map((o) => o.textContent)).toEqual(['America/New_YorkUTC−05:00']);
    fireEvent.keyDown(box(), { key: 'Enter' });
    expect(screen.getByTestId('chosen').textContent).toBe('America/New_York');
    expect(box().value).toBe('America/New_York');
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(submit).not.toHaveBeenCalled();
    expect(screen.getByTestId('tz-now').textContent).toMatch(/^America\/New_York is UTC−05:00 now/);
  });

  it('pages through the list and stays at its ends', () => {
    render(<Harness zones={Array.from({ length: 25 }, (_, i) => `Etc/Zone${i}`)} start="Etc/Zone0" />);
    fireEvent.keyDown(box(), { key: 'ArrowDown' }); // opens on the chosen zone
    expect(activeText()).toMatch(/^Etc\/Zone0 /);
    fireEvent.keyDown(box(), { key: 'PageDown' });
    expect(activeText()).toMatch(/^Etc\/Zone10/);
    fireEvent.keyDown(box(), { key: 'PageDown' });
    fireEvent.keyDown(box(), { key: 'PageDown' });
    expect(activeText()).toMatch(/^Etc\/Zone24/);
    fireEvent.keyDown(box(), { key: 'ArrowDown' });
    expect(activeText()).toMatch(/^Etc\/Zone24/);
    fireEvent.keyDown(box(), { key: 'PageUp' });
    expect(activeText()).toMatch(/^Etc\/Zone14/);
  });

  it('Escape closes the list and puts the chosen zone back, without closing the panel around it', () => {
    const panel = vi.fn();
    render(<Harness onPanelEscape={panel} />);
    fireEvent.change(box(), { target: { value: 'tok' } });
    fireEvent.keyDown(box(), { key: 'Escape' });
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(box().value).toBe('Europe/Amsterdam');
    expect(panel).not.toHaveBeenCalled();
    // closed: Escape is the panel's again
    fireEvent.keyDown(box(), { key: 'Escape' });
    expect(panel).toHaveBeenCalledTimes(1);
  });

  it('leaving the field without picking changes nothing', () => {
    render(<Harness />);
    fireEvent.change(box(), { target: { value: 'tokyo' } });
    fireEvent.blur(box());
    expect(box().value).toBe('Europe/Amsterdam');
    expect(screen.getByTestId('chosen').textContent).toBe('Europe/Amsterdam');
  });

  it("leaving the field with a listed zone's whole name typed picks it, as Enter does", () => {
    const submit = vi.fn();
    render(<Harness onSubmit={submit} />);
    // typed out and left for the Save button: it was put back, and the old zone saved
    fireEvent.change(box(), { target: { value: 'Asia/Tokyo' } });
    fireEvent.blur(box());
    expect(screen.getByTestId('chosen').textContent).toBe('Asia/Tokyo');
    expect(box().value).toBe('Asia/Tokyo');
    expect(screen.queryByRole('listbox')).toBeNull();
    // Tab too, in any case, as the list names it
    fireEvent.change(box(), { target: { value: ' america/new_york ' } });
    fireEvent.keyDown(box(), { key: 'Tab' });
    fireEvent.blur(box());
    expect(screen.getByTestId('chosen').textContent).toBe('America/New_York');
    // an alias is not guessed on leaving (a partial word can be one): Enter or a click uses it
    fireEvent.change(box(), { target: { value: 'Japan' } });
    fireEvent.blur(box());
    expect(screen.getByTestId('chosen').textContent).toBe('America/New_York');
    expect(submit).not.toHaveBeenCalled();
  });

  it('says when nothing matches', () => {
    render(<Harness />);
    fireEvent.change(box(), { target: { value: 'atlantis' } });
    expect(screen.getByRole('listbox').textContent).toBe('No time zone matches “atlantis”.');
    expect(screen.queryAllByRole('option')).toHaveLength(0);
    expect(box().getAttribute('aria-activedescendant')).toBeNull();
    fireEvent.keyDown(box(), { key: 'Enter' });
    expect(screen.getByTestId('chosen').textContent).toBe('Europe/Amsterdam');
  });

  it('offers a zone name the browser knows but does not list, as typed', () => {
    render(<Harness />);
    fireEvent.change(box(), { target: { value: 'US/Eastern' } });
    const use = options().find((o) => o.textContent!.startsWith('Use US/Eastern'))!;
    expect(use.textContent).toBe('Use US/EasternUTC−05:00');
    fireEvent.click(use);
    expect(screen.getByTestId('chosen').textContent).toBe('US/Eastern');
  });

  it('keeps a saved zone the list lacks, and says when the browser does not know it', () => {
    render(<Harness start="Mars/Base" zones={['UTC', 'Europe/Amsterdam']} />);
    expect(screen.getByTestId('tz-now').textContent).toBe('Mars/Base is not a time zone this browser knows.');
    fireEvent.click(screen.getByRole('button', { name: 'Show the time zones' }));
    expect(options().map((o) => o.textContent)).toEqual(['Mars/Base (chosen)', 'UTCUTC', 'Europe/AmsterdamUTC+01:00']);
  });
});
