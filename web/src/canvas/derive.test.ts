// What the canvas's nodes, connections and group boxes are called for assistive technology:
// React Flow gives a node no name and names a connection by node ids ("Edge from n_lgfn01lmt3ps
// to n_lgt70264bqf5"), which say nothing to someone who cannot see the canvas.
import { describe, expect, it } from 'vitest';
import { conn, catalog, doc, node } from '../test/fixtures';
import { deriveEdges, NodeDeriver } from './derive';

describe('accessible names on the canvas', () => {
  it('name a node by its handle, type, problems and run state', () => {
    const d = doc([node('n_1', 'http.request', { handle: 'fetch' }), node('n_2', 'debug.log', { handle: 'say', flow_state: 'disabled' })]);
    const problems = new Map([['n_1', [{ path: '/nodes/0/values/url', message: 'required', node: 'n_1', port: 'url' }]]]);
    const runs = new Map([['n_1', { status: 'error' as const, order: 2 }]]);
    const [fetch, say] = new NodeDeriver().derive(d, catalog, new Set(), problems, new Map(), runs);
    expect(fetch!.ariaLabel).toBe('fetch, HTTP request, 1 problem, ran: error');
    expect(say!.ariaLabel).toBe('say, Log, disabled');
  });

  it('say warnings apart from problems, and redraw a node whose problem turns into a warning', () => {
    const d = doc([node('n_1', 'http.request', { handle: 'fetch' })]);
    const p = { path: '/nodes/0/values/url', message: 'reads "a", which "fetch" does not wait for', node: 'n_1', port: 'url' };
    const deriver = new NodeDeriver();
    const [asWarning] = deriver.derive(d, catalog, new Set(), new Map([['n_1', [{ ...p, warning: true }]]]), new Map(), new Map());
    expect(asWarning!.ariaLabel).toBe('fetch, HTTP request, 1 warning');
    const [asProblem] = deriver.derive(d, catalog, new Set(), new Map([['n_1', [p, { ...p, message: 'other', warning: true }]]]), new Map(), new Map());
    expect(asProblem).not.toBe(asWarning);
    expect(asProblem!.ariaLabel).toBe('fetch, HTTP request, 1 problem, 1 warning');
  });

  it('name a connection by the handles and ports it joins', () => {
    const d = doc([node('n_1', 'trigger.manual', { handle: 'start' }), node('n_2', 'debug.log', { handle: 'say' })], [conn('n_1', 'true_path', 'n_2', 'node')]);
    const handles = new Map(d.nodes.map((n) => [n.id, n.handle]));
    const [edge] = deriveEdges(d.connections, new Set(), undefined, undefined, (id) => handles.get(id) ?? id);
    expect(edge!.ariaLabel).toBe('Connection from start.true_path to say.node');
  });
});
