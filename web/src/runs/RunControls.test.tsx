// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StartRunInput } from '../api/types';
import { createEditorStore } from '../store/editor';
import { catalog, doc, node } from '../test/fixtures';
import { RunControls } from './RunControls';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

function setup(nodes = [node('route', 'trigger.route'), node('log', 'debug.log')]) {
  const store = createEditorStore(catalog, doc(nodes));
  const runs: StartRunInput[] = [];
  const onToggle = vi.fn();
  render(<RunControls store={store} flow="f1" kind="route" stages={['mock', 'live']} starting={false} historyOpen={false} onRun={(i) => runs.push(i)} onToggleHistory={onToggle} />);
  return { store, runs, onToggle };
}

describe('RunControls', () => {
  it('runs from the trigger with a test request by default for a real route', () => {
    const { runs } = setup();
    fireEvent.click(screen.getByRole('button', { name: '▶ Run' }));
    expect(runs).toEqual([{ input: { method: 'GET', path: '/', headers: {}, query: {} } }]);
  });

  it('sends a test request once an empty route flow gets an HTTP route node (it ran without one and failed: "use a Mock route")', async () => {
    const { store, runs } = setup([]);
    const run = screen.getByRole('button', { name: '▶ Run' }) as HTMLButtonElement;
    store.getState().addNode('trigger.route', { x: 0, y: 0 });
    await waitFor(() => expect(run.disabled).toBe(false));
    fireEvent.click(run);
    expect(runs).toEqual([{ input: { method: 'GET', path: '/', headers: {}, query: {} } }]);
    // with a Mock route, its own inputs make the request
    store.getState().addNode('trigger.mock_route', { x: 0, y: 200 });
    await waitFor(() => expect(store.getState().doc.nodes.length).toBe(2));
    fireEvent.click(run);
    expect(runs[1]).toEqual({});
    // options the user saved are kept as they are, whatever the document
    fireEvent.click(screen.getByRole('button', { name: 'Run options' }));
    await screen.findByRole('dialog', { name: 'Run options' });
    fireEvent.click(screen.getByLabelText(/Send a test request/));
    fireEvent.click(screen.getByRole('button', { name: 'Save and run' }));
    expect(runs[2]).toEqual({ input: { method: 'GET', path: '/', headers: {}, query: {} } });
    expect(localStorage.length).toBe(1);
  });

  it('waits on an empty flow, saying why, instead of recording a run that fails with nothing to start from', async () => {
    const { store, runs } = setup([]);
    const run = screen.getByRole('button', { name: '▶ Run' }) as HTMLButtonElement;
    expect(run.disabled).toBe(true);
    expect(run.title).toBe('Nothing to run yet: add a trigger (or any node) from the palette first');
    fireEvent.click(run);
    expect(runs).toEqual([]);
    store.getState().addNode('trigger.manual', { x: 0, y: 0 });
    await waitFor(() => expect(run.disabled).toBe(false));
    expect(run.title).toBe('Run the flow from its trigger');
  });

  it('runs from the selected node', () => {
    const { store, runs } = setup();
    const from = screen.getByRole('button', { name: '▶ From selection' }) as HTMLButtonElement;
    expect(from.disabled).toBe(true);
    store.getState().select({ nodes: ['log'], edges: [] });
    return waitFor(() => expect(from.disabled).toBe(false)).then(() => {
      fireEvent.click(from);
      expect(runs[0]!.start).toBe('log');
    });
  });

  it('edits the mock request and the sub-stage, remembers them and runs with them', async () => {
    const { runs } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Run options' }));
    const dialog = await screen.findByRole('dialog', { name: 'Run options' });
    fireEvent.change(screen.getByLabelText('Secrets and variables from'), { target: { value: 'live' } });
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'POST' } });
    fireEvent.change(screen.getByLabelText('Path'), { target: { value: '/hello?name=Ada' } });
    fireEvent.click(screen.getByRole('button', { name: '+ Header' }));
    fireEvent.change(screen.getByLabelText('Headers 1 name'), { target: { value: 'X-Test' } });
    fireEvent.change(screen.getByLabelText('Headers 1 value'), { target: { value: 'yes' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save and run' }));
    expect(dialog.isConnected).toBe(false);
    expect(runs).toEqual([{ sub_stage: 'live', input: { method: 'POST', path: '/hello?name=Ada', headers: { 'x-test': 'yes' }, query: {} } }]);
    expect(JSON.parse(localStorage.getItem('ps.run-options.f1')!).subStage).toBe('live');
  });

  it('keeps the dialog open and names the problems of a bad request', async () => {
    const { runs } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Run options' }));
    await screen.findByRole('dialog', { name: 'Run options' });
    fireEvent.change(screen.getByLabelText('Path'), { target: { value: 'no-slash' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save and run' }));
    expect(screen.getByRole('alert').textContent).toContain('request.path: must start with /');
    expect(runs).toEqual([]);
    // Run on the toolbar uses the saved (bad) options too, and opens the dialog to say why
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.click(screen.getByRole('button', { name: '▶ Run' }));
    expect(screen.getByRole('alert').textContent).toContain('request.path');
    expect(runs).toEqual([]);
  });

  it('offers test input instead of a request for other triggers, and toggles history', async () => {
    const store = createEditorStore(catalog, doc([node('manual', 'trigger.manual')]));
    const runs: StartRunInput[] = [];
    const toggle = vi.fn();
    render(<RunControls store={store} flow="f2" kind="schedule" stages={[]} starting={false} historyOpen={false} onRun={(i) => runs.push(i)} onToggleHistory={toggle} />);
    fireEvent.click(screen.getByRole('button', { name: 'Run options' }));
    await screen.findByRole('dialog', { name: 'Run options' });
    expect(screen.queryByLabelText('Method')).toBeNull();
    fireEvent.change(screen.getByLabelText('Start from'), { target: { value: 'manual' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save and run' }));
    expect(runs).toEqual([{ start: 'manual' }]);
    fireEvent.click(screen.getByRole('button', { name: 'History' }));
    expect(toggle).toHaveBeenCalledTimes(1);
  });
});
