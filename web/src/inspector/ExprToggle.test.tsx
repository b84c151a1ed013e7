// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PortSpec } from '../model/catalog';
import { PortEditor, type PortEditorProps } from './editors';

afterEach(cleanup);

const props = (port: PortSpec, value: unknown, onChange = vi.fn()): PortEditorProps => ({ port, value, onChange, ctx: { nodes: [] }, secretKeys: [], envKeys: [] });

describe('the expression switch of an input', () => {
  it('is named after its input for a screen reader (not "{}") and says whether it is on', () => {
    const onChange = vi.fn();
    render(<PortEditor {...props({ name: 'status', type: 'integer', editor: 'number', templated: true }, 200, onChange)} />);
    const toggle = screen.getByRole('button', { name: 'Expression for status' });
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    expect(screen.queryByRole('button', { name: '{}' })).toBeNull();
    fireEvent.click(toggle);
    expect(onChange).toHaveBeenCalledWith('{{  }}');
    cleanup();
    render(<PortEditor {...props({ name: 'body_type', type: 'string', editor: 'select', options: ['auto', 'json'], templated: true }, '{{ a.kind }}')} />);
    expect(screen.getByRole('button', { name: 'Expression for body_type' }).getAttribute('aria-pressed')).toBe('true');
  });
});
