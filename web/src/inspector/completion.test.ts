import { describe, expect, it } from 'vitest';
import { completeExpression } from '../model/expressions';
import { catalog, conn, doc, node } from '../test/fixtures';
import { completionContextFor } from './completion';

describe('completion context', () => {
  const d = doc(
    [
      node('t', 'trigger.route', { handle: 'route' }),
      node('each', 'control.for_each', { handle: 'items' }),
      node('x', 'debug.inspect', { handle: 'look' }),
      node('after', 'debug.log', { handle: 'log' }),
      node('aside', 'variable.string', { handle: 'aside' }),
    ],
    [conn('t', 'json', 'each', 'list'), conn('each', 'item', 'x', 'value'), conn('x', 'true_path', 'after', 'node')],
  );

  it('offers upstream nodes with their data outputs only, the trigger fields and each in loops', () => {
    const ctx = completionContextFor(d, catalog, 'after', ['REGION']);
    expect(ctx.nodes.map((n) => n.handle)).toEqual(['route', 'items', 'look']);
    expect(ctx.nodes[1]!.outputs.map((o) => o.name)).toEqual(['item', 'index', 'iterations']);
    expect(ctx.nodes[2]!.outputs.map((o) => o.name)).toEqual(['type_of', 'size', 'truthy', 'json', 'value']);
    expect(ctx.trigger?.map((f) => f.name)).toContain('params');
    expect(ctx.inLoop).toBe(true);
    expect(ctx.env).toEqual(['REGION']);
  });

  it('drives the autocomplete of a text value', () => {
    const ctx = completionContextFor(d, catalog, 'after');
    const lo = completeExpression('{{ lo', 5, ctx)!.options;
    expect(lo.map((o) => [o.label, o.kind])).toEqual([
      ['look', 'node'],
      ['lower', 'function'],
      ['float', 'function'],
      ['floor', 'function'],
    ]);
    expect(completeExpression('{{ look.t', 9, ctx)?.options.map((o) => o.label)).toEqual(['type_of', 'truthy']);
    expect(completeExpression('{{ as', 5, ctx)!.options.map((o) => o.label)).not.toContain('aside');
  });
});
