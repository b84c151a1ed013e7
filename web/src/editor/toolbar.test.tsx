// @vitest-environment jsdom
// The editor's toolbar is an ARIA toolbar: one Tab stop, ← → Home End between its buttons.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeApi } from '../manage/testkit';
import { toJSON } from '../model/flow';
import { renderFlowEditor } from '../test/editor';
import { doc, node } from '../test/fixtures';
import { flowRow, installResizeObserver } from '../test/shell';
import { roveToolbar, toolbarItems } from './toolbar';

beforeAll(installResizeObserver);
beforeEach(() => localStorage.clear());
afterEach(cleanup);

const label = (el: Element | null) => (el as HTMLElement | null)?.getAttribute('aria-label') ?? el?.textContent?.trim();
const key = (k: string, extra: object = {}) => fireEvent.keyDown(document.activeElement!, { key: k, ...extra });

describe('a toolbar (roveToolbar)', () => {
  function setup() {
    render(
      <div role="toolbar" aria-label="T" data-testid="bar">
        <button type="button">One</button>
        <button type="button" disabled>
          Off
        </button>
        <input aria-label="Name" />
        <a href="#x">Two</a>
        <div role="dialog" aria-label="D">
          <button type="button">Inside</button>
        </div>
        <button type="button">Three</button>
      </div>,
    );
    const bar = screen.getByTestId('bar');
    const undo = roveToolbar(bar);
    return { bar, undo };
  }

  it('keeps one item in the Tab order and moves with the arrows (wrapping), Home and End, skipping disabled ones and dialogs', () => {
    const { bar, undo } = setup();
    expect(toolbarItems(bar).map(label)).toEqual(['One', 'Two', 'Three']);
    expect(toolbarItems(bar).map((b) => b.tabIndex)).toEqual([0, -1, -1]);
    screen.getByText('One').focus();
    key('ArrowRight');
    expect(label(document.activeElement)).toBe('Two');
    expect(toolbarItems(bar).map((b) => b.tabIndex)).toEqual([-1, 0, -1]);
    key('ArrowRight');
    key('ArrowRight');
    expect(label(document.activeElement)).toBe('One');
    key('ArrowLeft');
    expect(label(document.activeElement)).toBe('Three');
    key('Home');
    expect(label(document.activeElement)).toBe('One');
    key('End');
    expect(label(document.activeElement)).toBe('Three');
    // a field and a dialog keep their own keys
    screen.getByRole('textbox', { name: 'Name' }).focus();
    key('ArrowLeft');
    expect(label(document.activeElement)).toBe('Name');
    screen.getByText('Inside').focus();
    key('ArrowRight');
    expect(label(document.activeElement)).toBe('Inside');
    expect(screen.getByText('Inside').tabIndex).toBe(0);
    undo();
  });

  it('makes the item focused otherwise (a click, the focus given back) the Tab stop, and follows items that come and go', async () => {
    const { bar, undo } = setup();
    screen.getByText('Three').focus();
    expect(toolbarItems(bar).map((b) => b.tabIndex)).toEqual([-1, -1, 0]);
    const added = document.createElement('button');
    added.textContent = 'Four';
    bar.appendChild(added);
    await waitFor(() => expect(added.tabIndex).toBe(-1));
    // the Tab stop disabled: the first item is it
    act(() => screen.getByText('Three').setAttribute('disabled', ''));
    await waitFor(() => expect(toolbarItems(bar).map((b) => `${label(b)}:${b.tabIndex}`)).toEqual(['One:0', 'Two:-1', 'Four:-1']));
    undo();
  });
});

describe("the flow editor's toolbar", () => {
  it('is one Tab stop; the arrows, Home and End move between its buttons, not the selected node', async () => {
    const { api } = fakeApi({
      'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Checkout', 'blueprint'), draft: { document: toJSON(doc([node('start', 'trigger.manual')])), revision: 3 } } },
      'GET /secrets': { status: 200, body: [] },
      'GET /env': { status: 200, body: [] },
      'GET /flows': { status: 200, body: { items: [] } },
      'GET /stages': { status: 200, body: [] },
    });
    const open = await renderFlowEditor(api, { title: 'Checkout' });
    act(() => open.store.getState().select({ nodes: ['start'], edges: [] }));
    const bar = screen.getByRole('toolbar', { name: 'Flow' });
    const inOrder = () => [...bar.querySelectorAll<HTMLElement>('button, a[href]')].filter((b) => b.tabIndex === 0 && !b.matches(':disabled') && !b.closest('[role="dialog"]'));
    await waitFor(() => expect(inOrder()).toHaveLength(1));
    // Undo and Redo wait (nothing to undo yet): Fit is the first
    expect(label(toolbarItems(bar)[0]!)).toBe('Fit');
    const fit = within(bar).getByRole('button', { name: 'Fit' });
    fit.focus();
    const before = open.store.getState().doc.nodes[0]!.position;
    key('ArrowRight');
    expect(label(document.activeElement)).toBe('Layout');
    key('ArrowLeft');
    expect(document.activeElement).toBe(fit);
    // the selected node stayed where it was: the arrows were the toolbar's
    expect(open.store.getState().doc.nodes[0]!.position).toEqual(before);
    key('End');
    expect(label(document.activeElement)).toBe('Toggle theme');
    key('Home');
    expect(document.activeElement).toBe(toolbarItems(bar)[0]);
    key('ArrowLeft');
    expect(label(document.activeElement)).toBe('Toggle theme');
    expect(inOrder().map(label)).toEqual(['Toggle theme']);
    open.saver.dispose();
  });
});
