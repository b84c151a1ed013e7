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
});
