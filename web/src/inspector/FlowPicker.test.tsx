// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FlowChoice } from '../editor/context';
import type { PortSpec } from '../model/catalog';
import { flowLabel, PortEditor, type PortEditorProps } from './editors';

afterEach(cleanup);

const port: PortSpec = { name: 'flow_id', type: 'string', editor: 'flow', required: true, templated: true };
const flows: FlowChoice[] = [
  { id: 'F_SELF', name: 'Checkout', kind: 'route' },
  { id: 'F_LOOKUP', name: 'Lookup order', kind: 'service' },
  { id: 'F_ADD', name: 'Adder', kind: 'service' },
  { id: 'F_NIGHT', name: 'Nightly report', kind: 'schedule' },
];

function renderPicker(p: Partial<PortEditorProps> = {}) {
  const onChange = vi.fn();
  const props: PortEditorProps = { port, value: undefined, onChange, ctx: { nodes: [] }, secretKeys: [], envKeys: [], flows, flowId: 'F_SELF', ...p };
  const view = render(<PortEditor {...props} />);
  const select = screen.getByRole('combobox', { name: 'flow_id' }) as HTMLSelectElement;
  const options = () => [...select.options].map((o) => [o.value, o.textContent]);
  return { onChange, select, options, view };
}

describe('flow labels', () => {
  it.each([
    [{ id: 'a', name: 'Lookup order', kind: 'service' }, 'Lookup order (service)'],
    [{ id: 'b', name: 'Daily', kind: 'schedule' }, 'Daily (schedule)'],
    [{ id: 'c', name: 'Bare', kind: '' }, 'Bare'],
  ])('%o reads %s', (f, want) => expect(flowLabel(f)).toBe(want));
});

describe('the flow picker', () => {
  it('offers the other flows of the project by name and kind, not the open one', () => {
    const { options } = renderPicker();
    expect(options()).toEqual([
      ['', '— choose a flow —'],
      ['F_ADD', 'Adder (service)'],
      ['F_LOOKUP', 'Lookup order (service)'],
      ['F_NIGHT', 'Nightly report (schedule)'],
    ]);
    expect(screen.queryByText('no other flows in this project')).toBeNull();
  });

  it('stores the chosen flow by id, and nothing when the choice is cleared', () => {
    const { select, onChange } = renderPicker();
    fireEvent.change(select, { target: { value: 'F_LOOKUP' } });
    expect(onChange).toHaveBeenLastCalledWith('F_LOOKUP');
    fireEvent.change(select, { target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith(undefined);
    expect(onChange).toHaveBeenCalledTimes(2);
  });

  it('shows the chosen flow as selected', () => {
    const { select } = renderPicker({ value: 'F_NIGHT' });
    expect(select.value).toBe('F_NIGHT');
    expect(select.selectedOptions[0]!.textContent).toBe('Nightly report (schedule)');
    expect(select.className).not.toContain('invalid');
  });

  it.each([
    ['a deleted flow', 'F_GONE', 'unknown flow F_GONE'],
    ['an expression', '{{ route.params.flow }}', 'unknown flow {{ route.params.flow }}'],
    ['the open flow itself', 'F_SELF', 'this flow F_SELF (a flow cannot call itself)'],
  ])('keeps %s as an option of its own', (_, value, label) => {
    const { select, options, onChange } = renderPicker({ value });
    expect(select.value).toBe(value);
    expect(options()[1]).toEqual([value, label]);
    expect(options()).toHaveLength(5);
    expect(select.className).toContain('invalid');
    expect(onChange).not.toHaveBeenCalled();
  });

  it.each([
    ['no flows at all', [] as FlowChoice[]],
    ['only the open flow', [flows[0]!]],
  ])('says so when the project has %s', (_, list) => {
    const { options } = renderPicker({ flows: list });
    expect(options()).toEqual([['', '— choose a flow —']]);
    expect(screen.getByText('no other flows in this project')).toBeTruthy();
  });

  it('says so without any flows given (the playground)', () => {
    const { options } = renderPicker({ flows: undefined, flowId: undefined });
    expect(options()).toEqual([['', '— choose a flow —']]);
    expect(screen.getByText('no other flows in this project')).toBeTruthy();
  });

  it('links to the chosen flow when the app can open flows', () => {
    const open = vi.fn();
    renderPicker({ value: 'F_LOOKUP', flowLinks: { href: (id) => `/p/P1/f/${id}`, open } });
    const link = screen.getByRole('link', { name: 'Open' });
    expect(link.getAttribute('href')).toBe('/p/P1/f/F_LOOKUP');
    expect(link.getAttribute('title')).toBe('Open Lookup order');
    // whether the picker kept the browser from following the link (jsdom cannot navigate)
    const prevented: boolean[] = [];
    const stop = (e: Event) => {
      prevented.push(e.defaultPrevented);
      e.preventDefault();
    };
    window.addEventListener('click', stop);
    try {
      fireEvent.click(link);
      expect(open).toHaveBeenCalledWith('F_LOOKUP');
      // Ctrl-click is left to the browser (a new tab)
      fireEvent.click(link, { ctrlKey: true });
      expect(open).toHaveBeenCalledTimes(1);
      expect(prevented).toEqual([true, false]);
    } finally {
      window.removeEventListener('click', stop);
    }
  });

  it.each([
    ['nothing is chosen', undefined, true],
    ['the flow is unknown', 'F_GONE', true],
    ['the app cannot open flows', 'F_LOOKUP', false],
  ])('has no Open link when %s', (_, value, links) => {
    renderPicker({ value, ...(links ? { flowLinks: { href: (id: string) => `/f/${id}`, open: vi.fn() } } : {}) });
    expect(screen.queryByRole('link', { name: 'Open' })).toBeNull();
  });
});
