// @vitest-environment jsdom
import { EditorView } from '@codemirror/view';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PortSpec } from '../model/catalog';
import { PortEditor } from './editors';

afterEach(cleanup);

function Field({ port, start, invalid, describedBy }: { port: PortSpec; start: unknown; invalid?: boolean; describedBy?: string }) {
  const [value, setValue] = useState<unknown>(start);
  return <PortEditor port={port} value={value} onChange={setValue} ctx={{ nodes: [] }} secretKeys={[]} envKeys={[]} invalid={invalid} describedBy={describedBy} />;
}

/** The editable content of the code editor named label, once its chunk has loaded. */
const content = (label: string) => waitFor(() => screen.getByRole('textbox', { name: label }));

describe('code, template and JSON inputs for a screen reader', () => {
  it('say a problem of the value the inspector lists: aria-invalid and aria-describedby on the editable content (as the text inputs do)', async () => {
    render(
      <>
        <Field port={{ name: 'code', type: 'string', editor: 'code', templated: false }} start="return 1" invalid describedBy="ps-field-problems-code" />
        <Field port={{ name: 'message', type: 'string', editor: 'template', templated: true }} start="hi" />
      </>,
    );
    const code = await content('code');
    expect(code.getAttribute('aria-invalid')).toBe('true');
    expect(code.getAttribute('aria-describedby')).toBe('ps-field-problems-code');
    const message = await content('message');
    expect(message.getAttribute('aria-invalid')).toBeNull();
    expect(message.getAttribute('aria-describedby')).toBeNull();
  });

  it("say JSON that is not saved because it does not parse: the content is invalid and described by the reason", async () => {
    render(<Field port={{ name: 'base', type: 'object', editor: 'json', templated: true }} start={{ a: 1 }} />);
    const base = await content('base');
    expect(base.getAttribute('aria-invalid')).toBeNull();
    const view = EditorView.findFromDOM(base)!;
    act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: '{"a": 1,' } }));
    await waitFor(() => expect(base.getAttribute('aria-invalid')).toBe('true'));
    const said = document.getElementById(base.getAttribute('aria-describedby')!);
    expect(said?.textContent).toMatch(/^Not saved: /);
    act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: '{"a": 2}' } }));
    await waitFor(() => expect(base.getAttribute('aria-invalid')).toBeNull());
    expect(base.getAttribute('aria-describedby')).toBeNull();
  });
});
