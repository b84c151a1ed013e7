// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/client';
import { newRun } from '../store/run';
import { ResumeForm } from './ResumeForm';

afterEach(cleanup);

function paused() {
  const s = newRun('r1');
  s.status = 'paused';
  s.nodes.set('n1', { status: 'success', order: 1 });
  s.nodes.set('n2', { status: 'paused', order: 2 });
  return s;
}

function client(...answers: Response[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return answers.shift()!;
  });
  return { api: new ApiClient({ baseUrl: '/api/v1', fetch: fetch as unknown as typeof globalThis.fetch, tenant: 't', retries: 0 }), calls };
}

describe('ResumeForm', () => {
  it('resumes the paused node with the default approval through the API', async () => {
    const { api, calls } = client(new Response(JSON.stringify({ run_id: 'r1', status: 'accepted' }), { status: 202 }));
    const done = vi.fn();
    render(
      <ResumeForm
        run={paused()}
        nameOf={(id) => (id === 'n2' ? 'approval' : id)}
        onResume={async (b) => {
          await api.resumeRun('p', 'f', 'r1', b);
          done();
        }}
      />,
    );
    expect(screen.getByRole('group', { name: 'Resume the paused run' }).textContent).toContain('approval');
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(done).toHaveBeenCalled());
    expect(calls[0]!.url).toBe('/api/v1/tenants/t/projects/p/flows/f/runs/r1/resume');
    expect(calls[0]!.init.method).toBe('POST');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ node: 'n2', input: { approved: true } });
  });

  it('shows why the API refused, and lets the person try again', async () => {
    const { api } = client(
      new Response(JSON.stringify({ title: 'Conflict', status: 409, detail: 'run r1 is success, not paused' }), { status: 409, headers: { 'Content-Type': 'application/problem+json' } }),
    );
    render(<ResumeForm run={paused()} nameOf={(id) => id} onResume={async (b) => void (await api.resumeRun('p', 'f', 'r1', b))} />);
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Conflict: run r1 is success, not paused');
    expect((screen.getByRole('button', { name: 'Resume' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows what the paused node asks: an approval's message and data", () => {
    const run = paused();
    // a live node_end's data: the whole node result, its pause payload under outputs.pause
    run.results.set('n2', { node_id: 'n2', status: 'paused', outputs: { pause: { message: 'Ship order 42?', data: { order: 42, total: '€ 12' } } } });
    render(<ResumeForm run={run} nameOf={(id) => id} onResume={async () => {}} />);
    expect(screen.getByTestId('pause-question').textContent).toBe('Ship order 42?');
    expect(JSON.parse(screen.getByTestId('pause-data').textContent!)).toEqual({ order: 42, total: '€ 12' });
  });

  it("starts an agent's tool confirmation with the answer it expects (approve, not approved)", async () => {
    const run = paused();
    // a stored run's result (runFromDetail): outputs as recorded
    run.results.set('n2', {
      outputs: { pause: { kind: 'tool_confirmation', tool: 'delete_user', arguments: { id: 7 }, question: 'Allow the agent to call delete_user with {"id":7}?', state: {} } },
    });
    const sent = vi.fn(async (_b: { node: string; input?: unknown }) => {});
    render(<ResumeForm run={run} nameOf={(id) => id} onResume={sent} />);
    expect(screen.getByTestId('pause-question').textContent).toBe('Allow the agent to call delete_user with {"id":7}?');
    expect(screen.queryByTestId('pause-data')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(sent).toHaveBeenCalled());
    // {"approved": true} failed the agent: "approve" must be true or false
    expect(sent.mock.calls[0]![0]).toEqual({ node: 'n2', input: { approve: true } });
  });
});
