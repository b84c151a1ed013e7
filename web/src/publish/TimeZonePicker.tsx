// A searchable time-zone picker (an ARIA 1.2 combobox with a listbox popup): type to filter the
// full IANA list by city words or offset, ↑ ↓ PageUp PageDown to move, Enter to pick, Escape to
// put the chosen zone back; each zone shows its UTC offset now, and the chosen zone's offset and
// local time show under the field. A zone name the engine knows but does not list (an alias such
// as US/Eastern) can be used as typed. Leaving the field with the whole name of a listed zone typed
// picks it (so typing it and pressing Save saves it); part of a name puts the chosen zone back.

import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { isZone, searchZones, timeZones, zoneOffset } from './timezones';

export interface TimeZonePickerProps {
  /** The input's id (a <label htmlFor> names it). */
  id: string;
  value: string;
  onChange(zone: string): void;
  invalid?: boolean;
  /** Ids of more that describes the field (an error), for aria-describedby. */
  describedBy?: string | undefined;
  /** The zones offered (default: every zone the browser knows). */
  zones?: readonly string[];
  /** The moment offsets are shown for (default: now). */
  now?: Date;
}

const PAGE = 10;

/** A zone name as typed that the engine knows (an alias such as US/Eastern). */
const isAlias = (typed: string) => /^[A-Za-z][\w+-]*(\/[\w+-]+)*$/.test(typed) && isZone(typed);

export function TimeZonePicker({ id, value, onChange, invalid, describedBy, zones: given, now: at }: TimeZonePickerProps) {
  const zones = useMemo(() => given ?? timeZones(), [given]);
  const listed = useMemo(() => new Set(zones), [zones]);
  const now = useMemo(() => at ?? new Date(), [at]);
  const listId = useId();
  const noteId = `${id}-now`;
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  // what is typed; null while the field shows the chosen zone
  const [query, setQuery] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const offsets = useRef(new Map<string, string>());
  const offsetOf = (z: string) => {
    let o = offsets.current.get(z);
    if (o === undefined) offsets.current.set(z, (o = zoneOffset(z, now)));
    return o;
  };

  const shown = useMemo(() => {
    const found = searchZones(zones, query ?? '', offsetOf);
    const typed = query?.trim() ?? '';
    // a zone the engine knows but does not list (an alias): offered as typed
    if (typed && !zones.some((z) => z.toLowerCase() === typed.toLowerCase()) && isAlias(typed)) found.push(typed);
    // the chosen zone is always there when nothing is typed, even one the list lacks
    if (!query && value && !found.includes(value)) found.unshift(value);
    return found;
    // offsetOf reads a cache of `now`
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [zones, query, value, now]);

  // the active option stays in view
  useEffect(() => {
    if (!open) return;
    const el = list.current?.querySelector<HTMLElement>(`[data-index="${active}"]`);
    el?.scrollIntoView?.({ block: 'nearest' });
  }, [open, active]);

  const openAt = (i?: number) => {
    setOpen(true);
    setActive(i ?? Math.max(0, shown.indexOf(value)));
  };
  const close = () => {
    setOpen(false);
    setQuery(null);
  };
  const pick = (z: string) => {
    if (z !== value) onChange(z);
    close();
  };
  /** Leaving the field (Tab, a click elsewhere such as Save): the whole name of a listed zone
   * typed, in any case, is picked as Enter would pick it; anything else (part of a name, an
   * alias, which takes Enter) puts the chosen zone back. */
  const leave = () => {
    const typed = query?.trim().toLowerCase();
    const z = typed ? zones.find((x) => x.toLowerCase() === typed) : undefined;
    if (z) pick(z);
    else close();
  };
  const move = (d: number) => {
    if (!open) return openAt();
    if (!shown.length) return;
    setActive((a) => Math.min(shown.length - 1, Math.max(0, a + d)));
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (e.altKey) openAt();
        else move(1);
        break;
      case 'ArrowUp':
        e.preventDefault();
        move(-1);
        break;
      case 'PageDown':
        if (!open) return;
        e.preventDefault();
        move(PAGE);
        break;
      case 'PageUp':
        if (!open) return;
        e.preventDefault();
        move(-PAGE);
        break;
      case 'Enter':
        // picks, and does not submit the form around it
        if (!open) return;
        e.preventDefault();
        if (shown[active]) pick(shown[active]);
        break;
      case 'Escape':
        if (!open && query === null) return;
        // closes the list only, not the panel around it
        e.preventDefault();
        e.stopPropagation();
        close();
        break;
      case 'Tab':
        leave();
        break;
    }
  };

  const offset = offsetOf(value);
  const localTime = useMemo(() => {
    try {
      return new Intl.DateTimeFormat(undefined, { timeZone: value, hour: '2-digit', minute: '2-digit' }).format(now);
    } catch {
      return '';
    }
  }, [value, now]);
  const optionId = (i: number) => `${listId}-o${i}`;

  return (
    <div className="ps-tz">
      <div className="ps-tz-field">
        <input
          ref={input}
          id={id}
          type="text"
          role="combobox"
          className={`ps-input ps-mono${invalid ? ' invalid' : ''}`}
          value={query ?? value}
          placeholder="Search, e.g. Amsterdam or +05:30"
          autoComplete="off"
          spellCheck={false}
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={listId}
          aria-activedescendant={open && shown[active] ? optionId(active) : undefined}
          aria-invalid={invalid || undefined}
          aria-describedby={[noteId, describedBy].filter(Boolean).join(' ')}
          onChange={(e) => {
            setQuery(e.target.value);
            setOpen(true);
            setActive(0);
          }}
          onClick={() => (open ? undefined : openAt())}
          onKeyDown={onKeyDown}
          onBlur={leave}
        />
        <button
          type="button"
          className="ps-icon-button ps-tz-toggle"
          tabIndex={-1}
          aria-label={open ? 'Hide the time zones' : 'Show the time zones'}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            if (open) close();
            else {
              input.current?.focus();
              openAt();
            }
          }}
        >
          ▾
        </button>
      </div>
      {open ? (
        <ul ref={list} id={listId} role="listbox" aria-label="Time zones" className="ps-tz-options">
          {shown.map((z, i) => (
            <li
              key={z}
              id={optionId(i)}
              data-index={i}
              role="option"
              aria-selected={i === active}
              className={`ps-tz-option${i === active ? ' active' : ''}${z === value ? ' current' : ''}`}
              onMouseDown={(e) => e.preventDefault()}
              onMouseMove={() => i !== active && setActive(i)}
              onClick={() => pick(z)}
            >
              <span className="ps-tz-name">
                {listed.has(z) || z === value ? z : `Use ${z}`}
                {z === value ? <span className="ps-visually-hidden"> (chosen)</span> : null}
              </span>
              <span className="ps-tz-offset">{offsetOf(z)}</span>
            </li>
          ))}
          {shown.length === 0 ? (
            <li role="presentation" className="ps-hint ps-tz-empty">
              No time zone matches “{query}”.
            </li>
          ) : null}
        </ul>
      ) : null}
      <div id={noteId} className="ps-hint" data-testid="tz-now">
        {offset ? `${value} is ${offset === 'UTC' ? 'UTC+00:00' : offset} now${localTime ? ` (${localTime} there)` : ''}.` : `${value} is not a time zone this browser knows.`}
      </div>
      <span className="ps-visually-hidden" aria-live="polite">
        {open && query ? `${shown.length} time zone${shown.length === 1 ? '' : 's'}` : ''}
      </span>
    </div>
  );
}
