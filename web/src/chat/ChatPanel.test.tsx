// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/client';
import type { RunEvent } from '../api/live';
import { createEditorStore } from '../store/editor';
import { catalog, doc, flowInvalidResponse, node } from '../test/fixtures';
import { sessionKey } from './chat';
import { useFlowChat } from './FlowChat';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

type Call = { method: string; url: string; body: unknown };

class FakeLive {
  status = 'open' as const;
  listeners = new Set<(e: RunEvent) => void>();
  subscribe(_p: string, _f: string, f: (e: RunEvent) => void) {
    this.listeners.add(f);
    return () => void this.listeners.delete(f);
  }
  emit(e: Partial<RunEvent> & { type: string; seq: number }) {
    act(() => {
      for (const f of this.listeners) f({ run_id: 'r1', flow_id: 'f1', ...e });
    });
  }
}

function Harness(p: Parameters<typeof useFlowChat>[0]) {
  const { button, panel } = useFlowChat(p);
  return (
    <div>
      <div role="toolbar" aria-label="Flow">
        {button}
      </div>
      {panel}
    </div>
  );
}

function setup(nodes = [node('chat1', 'ai.chat_trigger'), node('agent', 'ai.agent')], started?: () => Response) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    const c = { method: init?.method ?? 'GET', url: String(url), body: init?.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(c);
    if (c.method === 'POST' && started) return started();
    if (c.method === 'POST') return new Response(JSON.stringify({ run_id: 'r1', status: 'accepted' }), { status: 202, headers: { 'Content-Type': 'application/json' } });
    return new Response(JSON.stringify({ id: 'r1', status: 'running', nodes: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  const api = new ApiClient({ baseUrl: '/api/v1', fetch, tenant: 't1', retries: 0 });
  const store = createEditorStore(catalog, doc(nodes));
  const live = new FakeLive();
  const flush = vi.fn(async () => {});
  render(<Harness api={api} live={live} project="p1" flow="f1" store={store} flush={flush} user="ann@example.com" />);
  return { calls, live, store, flush };
}

describe('the chat panel', () => {
  it('gives the focus back to the Chat button when closed from inside (Escape or ✕)', () => {
    setup();
    const button = screen.getByRole('button', { name: 'Chat' });
    fireEvent.click(button);
    const box = screen.getByRole('textbox', { name: 'Message' });
    expect(document.activeElement).toBe(box);
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(screen.queryByRole('complementary', { name: 'Chat' })).toBeNull();
    expect(document.activeElement).toBe(button);
    fireEvent.click(button);
    const close = screen.getByRole('button', { name: 'Close the chat panel' });
    close.focus();
    fireEvent.click(close);
    expect(document.activeElement).toBe(button);
  });

  it('offers Chat only for a flow with a chat trigger', () => {
    setup([node('route', 'trigger.route')]);
    expect(screen.queryByRole('button', { name: 'Chat' })).toBeNull();
    cleanup();
    setup();
    expect(screen.getByRole('button', { name: 'Chat' })).toBeTruthy();
  });

  it('explains itself when empty, sends on Enter, keeps Shift+Enter for a new line, and streams the answer', async () => {
    const { calls, live, flush } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Chat' }));
    const panel = screen.getByRole('complementary', { name: 'Chat' });
    expect(within(panel).getByText(/Talk to this flow/)).toBeTruthy();
    const session = localStorage.getItem(sessionKey('p1', 'f1'));
    expect(within(panel).getByLabelText('Session id').textContent).toBe(session);

    const box = within(panel).getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: 'Hello' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(calls).toHaveLength(0);
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1));
    expect(flush).toHaveBeenCalled();
    expect(calls[0]!.body).toEqual({ start: 'chat1', input: { message: 'Hello', session, user: 'ann@example.com' } });
    expect(box.value).toBe('');
    expect(within(panel).getByLabelText('You').textContent).toBe('Hello');

    await waitFor(() => expect(within(panel).getByText('Thinking…')).toBeTruthy());
    live.emit({ type: 'stream', seq: 1, data: { node: 'agent', kind: 'tool_call', tool: 'get_order', call_id: 'c1', arguments: { id: 7 } } });
    live.emit({ type: 'stream', seq: 2, data: { node: 'agent', kind: 'token', text: 'Hi ' } });
    live.emit({ type: 'stream', seq: 3, data: { node: 'agent', kind: 'token', text: 'Ann' } });
    live.emit({ type: 'run_end', seq: 4, status: 'success' });
    const answer = within(panel).getByLabelText('Assistant');
    expect(within(answer).getByText('Hi Ann')).toBeTruthy();
    expect(within(within(answer).getByRole('list', { name: 'Tool calls' })).getByText('get_order')).toBeTruthy();
  });

  it('asks the paused confirmation with Approve and Reject, and a failed run shows its error', async () => {
    const { calls, live } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Chat' }));
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'Refund order 7' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    await waitFor(() => expect(screen.getByLabelText('Assistant').getAttribute('aria-busy')).toBe('true'));
    live.emit({ type: 'node_end', seq: 1, node: 'agent', node_id: 'agent', status: 'paused', data: { outputs: { pause: { tool: 'refund', question: 'Allow refund?', arguments: { order: 7 } } } } });
    live.emit({ type: 'run_paused', seq: 2 });
    const group = screen.getByRole('group', { name: 'Confirmation' });
    expect(within(group).getByText('Allow refund?')).toBeTruthy();
    fireEvent.click(within(group).getByRole('button', { name: 'Reject' }));
    await waitFor(() => expect(calls.some((c) => c.url.endsWith('/runs/r1/resume'))).toBe(true));
    expect(calls.find((c) => c.url.endsWith('/resume'))!.body).toEqual({ node: 'agent', input: { approve: false } });
    await waitFor(() => expect(within(group).getByText('Rejected.')).toBeTruthy());
    live.emit({ type: 'run_end', seq: 3, status: 'error', data: { error: { error: 'the model is unreachable' } } });
    expect(screen.getByRole('alert').textContent).toBe('the model is unreachable');
  });

  it('lists the problems of a run refused as invalid under "Not run: N problems in the flow."', async () => {
    const refused = () =>
      flowInvalidResponse([
        { location: '/nodes/1/values/model', message: 'model is required', value: 'agent' },
        { location: '/', message: 'the flow never exits' },
      ]);
    setup(undefined, refused);
    fireEvent.click(screen.getByRole('button', { name: 'Chat' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Message' }), { target: { value: 'Hello' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    const alert = await screen.findByRole('alert');
    expect(within(screen.getByLabelText('Assistant')).getByRole('alert')).toBe(alert);
    expect(alert.firstChild?.textContent).toBe('Not run: 2 problems in the flow.');
    expect(within(within(alert).getByRole('list', { name: 'Problems' })).getAllByRole('listitem').map((l) => l.textContent)).toEqual(['agent.model: model is required', 'flow: the flow never exits']);
    // the old one-line "The flow has problems: …" is gone; the text box is free again
    expect(screen.queryByText(/The flow has problems/)).toBeNull();
    await waitFor(() => expect((screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement).textContent).toBe('Send'));
  });

  it('starts a new conversation with a new session', () => {
    setup();
    fireEvent.click(screen.getByRole('button', { name: 'Chat' }));
    const before = screen.getByLabelText('Session id').textContent;
    fireEvent.click(screen.getByRole('button', { name: 'New conversation' }));
    const after = screen.getByLabelText('Session id').textContent;
    expect(after).not.toBe(before);
    expect(localStorage.getItem(sessionKey('p1', 'f1'))).toBe(after);
  });

  it('closes on Escape and with its close button, and opens again from the toolbar', () => {
    setup();
    const toggle = screen.getByRole('button', { name: 'Chat' });
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'Message' }), { key: 'Escape' });
    expect(screen.queryByRole('complementary', { name: 'Chat' })).toBeNull();
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(toggle);
    fireEvent.click(screen.getByRole('button', { name: 'Close the chat panel' }));
    expect(screen.queryByRole('complementary', { name: 'Chat' })).toBeNull();
  });
});
