// @vitest-environment jsdom
// {{ }} completion in a text value typed at a machine's pace: the key after Enter (which takes a
// completion) lands inside the expression, and a completion is not taken away by a blur the
// field came back from (both made `{{ manual.inp` complete nothing in a browser test, now and then).
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useLayoutEffect, useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CompletionContext } from '../model/expressions';
import { ExprInput } from './ExprInput';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const ctx: CompletionContext = { nodes: [{ handle: 'manual', type: 'trigger.manual', name: 'Manual', outputs: [{ name: 'input', type: 'any' }] }] };

/** The field, and after it a probe that notes the caret as each commit's layout effects end (before
 * any passive effect: a browser may handle the next key by then). */
function Field({ carets }: { carets?: [string, number | null][] }) {
  const [value, setValue] = useState('');
  return (
    <>
      <ExprInput value={value} onChange={setValue} ctx={ctx} label="value" />
      <CaretProbe value={value} carets={carets} />
    </>
  );
}

function CaretProbe({ value, carets }: { value: string; carets?: [string, number | null][] | undefined }) {
  useLayoutEffect(() => {
    const box = document.querySelector<HTMLInputElement>('input[aria-label="value"]');
    carets?.push([value, box?.selectionStart ?? null]);
  });
  return null;
}

/** Types text at the caret as a browser does: the new text and caret, then an input event. */
const typeIn = (box: HTMLInputElement, text: string) => {
  for (const ch of text) {
    const at = box.selectionStart ?? box.value.length;
    const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    set.call(box, box.value.slice(0, at) + ch + box.value.slice(at));
    box.setSelectionRange(at + 1, at + 1);
    fireEvent.input(box);
  }
};

describe('completion in a text value', () => {
  it('puts the caret after a completion taken with Enter in the same commit as the value', () => {
    const carets: [string, number | null][] = [];
    render(<Field carets={carets} />);
    const box = screen.getByRole<HTMLInputElement>('textbox', { name: 'value' });
    box.focus();
    typeIn(box, '{{');
    expect(box.value).toBe('{{  }}');
    typeIn(box, 'ma');
    expect(screen.getByRole('option', { name: /manual/ })).toBeTruthy();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box.value).toBe('{{ manual }}');
    // inside the expression by the end of the commit that set the value (not at its end, after `}}`)
    expect(carets.find(([v]) => v === '{{ manual }}')).toEqual(['{{ manual }}', '{{ manual'.length]);
    // and so the next keys complete the node's outputs
    typeIn(box, '.inp');
    expect(box.value).toBe('{{ manual.inp }}');
    expect(screen.getByRole('option', { name: /input/ })).toBeTruthy();
  });

  it('keeps a completion shown when the field had the focus back before the blur was handled', () => {
    vi.useFakeTimers();
    render(
      <>
        <Field />
        <button type="button">elsewhere</button>
      </>,
    );
    const box = screen.getByRole<HTMLInputElement>('textbox', { name: 'value' });
    box.focus();
    typeIn(box, '{{');
    // away and straight back (a click on the canvas and back into the field)
    act(() => screen.getByRole('button', { name: 'elsewhere' }).focus());
    act(() => box.focus());
    typeIn(box, 'ma');
    expect(screen.getByRole('option', { name: /manual/ })).toBeTruthy();
    act(() => vi.advanceTimersByTime(200));
    expect(screen.queryByRole('option', { name: /manual/ })).not.toBeNull();
    // a blur that stays one still closes the list
    act(() => screen.getByRole('button', { name: 'elsewhere' }).focus());
    act(() => vi.advanceTimersByTime(200));
    expect(screen.queryByRole('listbox')).toBeNull();
  });
});
