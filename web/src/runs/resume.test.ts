import { describe, expect, it } from 'vitest';
import { newRun } from '../store/run';
import { pausedNodes, resumeBody, resumedRun } from './resume';

describe('resume', () => {
  const run = () => {
    const s = newRun('r1');
    s.status = 'paused';
    s.error = 'old';
    s.nodes.set('late', { status: 'paused', order: 5 });
    s.nodes.set('a', { status: 'success', order: 1 });
    s.nodes.set('early', { status: 'paused', order: 2 });
    return s;
  };

  it('lists the paused nodes in run order', () => {
    expect(pausedNodes(run())).toEqual(['early', 'late']);
    expect(pausedNodes(newRun('x'))).toEqual([]);
  });

  it('sends the answer as JSON, none when empty, and refuses broken JSON', () => {
    expect(resumeBody('early', '{"approved": false, "comment": "no"}')).toEqual({ body: { node: 'early', input: { approved: false, comment: 'no' } } });
    expect(resumeBody('early', '  ')).toEqual({ body: { node: 'early' } });
    expect(resumeBody('early', '{x').problem).toMatch(/^input is not valid JSON/);
    expect(resumeBody('', '{}').problem).toMatch(/paused node/);
  });

  it('marks the run running again with the answered node running', () => {
    const before = run();
    const s = resumedRun(before, 'early');
    expect(s.status).toBe('running');
    expect(s.error).toBeUndefined();
    expect(s.nodes.get('early')).toEqual({ status: 'running', order: 2 });
    expect(s.nodes.get('late')).toEqual({ status: 'paused', order: 5 });
    expect(before.nodes.get('early')!.status).toBe('paused');
  });
});
