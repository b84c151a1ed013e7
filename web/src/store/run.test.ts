import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../api/live';
import { conn, doc, node } from '../test/fixtures';
import { applyRunEvent, edgeStates, newRun, runFromDetail } from './run';

const ev = (seq: number, type: string, extra: Partial<RunEvent> = {}): RunEvent => ({ type, seq, run_id: 'r1', flow_id: 'f', ...extra });

describe('run state', () => {
  it('follows node and run events in order, ignoring other runs', () => {
    const events = [
      ev(1, 'run_start'),
      ev(2, 'node_start', { node_id: 'a', order: 1 }),
      ev(3, 'node_log', { node_id: 'a', data: { message: 'hi' } }),
      ev(4, 'node_end', { node_id: 'a', status: 'success', data: { outputs: { value: 1 } } }),
      ev(5, 'node_start', { node_id: 'b', order: 2 }),
      ev(6, 'node_end', { node_id: 'b', status: 'error', order: 2 }),
      ev(7, 'node_end', { node_id: 'c', status: 'skipped' }),
      ev(8, 'node_start', { node_id: 'zz', run_id: 'other' }),
      ev(9, 'run_end', { status: 'error', data: { error: 'b failed' } }),
    ];
    const s = events.reduce(applyRunEvent, newRun('r1'));
    expect(Object.fromEntries(s.nodes)).toEqual({
      a: { status: 'success', order: 1 },
      b: { status: 'error', order: 2 },
      c: { status: 'skipped' },
    });
    expect(s.results.get('a')).toEqual({ outputs: { value: 1 } });
    expect(s.logs).toEqual([{ seq: 3, node: 'a', data: { message: 'hi' } }]);
    expect(s.status).toBe('error');
    expect(s.error).toBe('b failed');
  });

  it('marks a paused run and shows running nodes', () => {
    const s = [ev(1, 'node_start', { node_id: 'a', order: 1 }), ev(2, 'run_paused')].reduce(applyRunEvent, newRun('r1'));
    expect(s.status).toBe('paused');
    expect(s.nodes.get('a')).toEqual({ status: 'running', order: 1 });
  });

  it('rebuilds a past run from its node results', () => {
    const s = runFromDetail({
      id: 'r9', flow: 'f', stage: 'mock', version: 0, trigger: 'editor', status: 'success', started_at: 't', duration_ms: 3, expires_at: 't',
      nodes: [
        { node: 'a', order: 1, status: 'success', started_at: 't', duration_ms: 1, outputs: { x: 1 } },
        { node: 'b', order: 0, status: 'skipped', started_at: 't', duration_ms: 0 },
      ],
    });
    expect(Object.fromEntries(s.nodes)).toEqual({ a: { status: 'success', order: 1 }, b: { status: 'skipped' } });
    expect(s.results.get('a')).toMatchObject({ outputs: { x: 1 } });
  });

  it('fills the logs list of a reopened run, ordered like the live node_log events', () => {
    const s = runFromDetail({
      id: 'r9', flow: 'f', stage: 'mock', version: 0, trigger: 'editor', status: 'success', started_at: 't', duration_ms: 3, expires_at: 't',
      nodes: [
        {
          node: 'b', order: 2, status: 'success', started_at: 't', duration_ms: 1,
          logs: [
            { time: '2025-01-01T00:00:02Z', level: 'info', message: 'b1' },
            { time: '2025-01-01T00:00:02Z', level: 'info', message: 'b2' },
          ],
        },
        { node: 'a', order: 1, status: 'success', started_at: 't', duration_ms: 1, logs: [{ time: '2025-01-01T00:00:01Z', level: 'warn', message: 'a1' }] },
        { node: 'c', order: 0, status: 'skipped', started_at: 't', duration_ms: 0 },
      ],
    });
    expect(s.logs.map((l) => [l.seq, l.node, (l.data as { message: string }).message])).toEqual([
      [1, 'a', 'a1'],
      [2, 'b', 'b1'],
      [3, 'b', 'b2'],
    ]);
    expect(s.logs[0]).toEqual({ seq: 1, node: 'a', time: '2025-01-01T00:00:01Z', data: { time: '2025-01-01T00:00:01Z', level: 'warn', message: 'a1' } });
  });

  it('finds touched and dead edges', () => {
    const d = doc([node('a', 'control.if_else'), node('b', 'debug.log'), node('c', 'debug.log'), node('x', 'debug.log')], [
      conn('a', 'true_path', 'b', 'node'),
      conn('a', 'false_path', 'c', 'node'),
      conn('b', 'true_path', 'x', 'node'),
    ]);
    const s = [
      ev(1, 'node_end', { node_id: 'a', status: 'success' }),
      ev(2, 'node_end', { node_id: 'b', status: 'success' }),
      ev(3, 'node_end', { node_id: 'c', status: 'skipped' }),
    ].reduce(applyRunEvent, newRun('r1'));
    const { touched, dead } = edgeStates(d, s);
    expect([...touched]).toEqual(['a:true_path->b:node']);
    expect([...dead]).toEqual(['a:false_path->c:node']);
  });
});
