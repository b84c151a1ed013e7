// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PortSpec } from '../model/catalog';
import { PortEditor } from './editors';

afterEach(cleanup);

const algorithm: PortSpec = { name: 'algorithm', type: 'string', editor: 'select', options: ['sha256', 'md5'], default: 'sha256', templated: true };

function Field({ port, start, invalid, describedBy }: { port: PortSpec; start: unknown; invalid?: boolean; describedBy?: string }) {
  const [value, setValue] = useState<unknown>(start);
  return (
    <>
      <PortEditor port={port} value={value} onChange={setValue} ctx={{ nodes: [] }} secretKeys={[]} envKeys={[]} invalid={invalid} describedBy={describedBy} />
      <output aria-label="value">{JSON.stringify(value) ?? 'unset'}</output>
    </>
  );
}

describe('a select input', () => {
  it('shows a value that is not one of its options as itself, marked, instead of "default (…)"', () => {
    render(<Field port={algorithm} start="md4" invalid describedBy="ps-field-problems-algorithm" />);
    const select = screen.getByRole('combobox', { name: 'algorithm' }) as HTMLSelectElement;
    expect(select.value).toBe('md4');
    expect(select.options[select.selectedIndex]!.textContent).toBe('md4 (not an option)');
    expect(select.getAttribute('aria-invalid')).toBe('true');
    // the problem the inspector lists under it is its description
    expect(select.getAttribute('aria-describedby')).toBe('ps-field-problems-algorithm');
    // choosing an option puts it in, and the stray one goes
    fireEvent.change(select, { target: { value: 'md5' } });
    expect(screen.getByRole('status', { name: 'value' }).textContent).toBe('"md5"');
    expect([...select.options].map((o) => o.value)).toEqual(['', 'sha256', 'md5']);
  });

  it('says nothing more of a value that is an option', () => {
    render(<Field port={algorithm} start="md5" />);
    const select = screen.getByRole('combobox', { name: 'algorithm' }) as HTMLSelectElement;
    expect(select.value).toBe('md5');
    expect(select.getAttribute('aria-invalid')).toBeNull();
    expect([...select.options].map((o) => o.value)).toEqual(['', 'sha256', 'md5']);
  });
});
