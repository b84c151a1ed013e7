import { describe, expect, it } from 'vitest';
import {
  completeExpression,
  type CompletionContext,
  expressionProblems,
  expressionRefs,
  findExpressions,
  renameInText,
  renameInValue,
  valueRefs,
} from './expressions';

describe('findExpressions', () => {
  it('finds closed and unclosed expressions in order', () => {
    const spans = findExpressions('a {{ x }} b {{ y.z }} c {{ open');
    expect(spans.map((s) => [s.body, s.closed])).toEqual([
      [' x ', true],
      [' y.z ', true],
      [' open', false],
    ]);
    expect(spans[0]).toMatchObject({ start: 2, end: 9, bodyStart: 4 });
  });
});

describe('expressionRefs', () => {
  it.each([
    ['fetch.body.items[0].name', ['fetch']],
    ['upper(route.params.name) + "x"', ['route']],
    ['a.b > 1 && c in d', ['a', 'c', 'd']],
    ['filter(list.items, .price > limit.value)', ['list', 'limit']],
    ['"fetch.body" + \'x\'', []],
    ['let x = fetch.n; x * 2', ['fetch']],
    ['{name: a.b, id: 1}', ['a']],
    ['x ?? default(y, 1)', ['x', 'y']],
    ['true and not false', []],
    ['all(items.list, #.ok)', ['items']],
    ['trigger.json.id', ['trigger']],
  ])('%s reads %j', (body, names) => {
    expect(expressionRefs(body).map((r) => r.name)).toEqual(names);
  });

  it('collects refs through lists and objects of a value', () => {
    expect([...valueRefs([{ key: 'a', value: '{{ one.x }}' }, '{{ two }} and {{ one.y }}', 3])]).toEqual(['one', 'two']);
  });
});

describe('renaming a handle', () => {
  it('rewrites root names only, not members, strings or other names', () => {
    expect(renameInText('{{ fetch.body }} fetch {{ x.fetch + fetch2.a + "fetch" + fetch }}', 'fetch', 'get')).toBe(
      '{{ get.body }} fetch {{ x.fetch + fetch2.a + "fetch" + get }}',
    );
  });

  it('rewrites inside nested values and keeps untouched parts identical', () => {
    const untouched = { a: '{{ other }}' };
    const v = { rows: [{ key: 'k', value: '{{ old.x }}' }], keep: untouched };
    const r = renameInValue(v, 'old', 'new') as typeof v;
    expect(r.rows[0]!.value).toBe('{{ new.x }}');
    expect(r.keep).toBe(untouched);
    expect(renameInValue(untouched, 'old', 'new')).toBe(untouched);
  });
});

describe('completeExpression', () => {
  const ctx: CompletionContext = {
    nodes: [
      { handle: 'fetch', type: 'http.request', name: 'HTTP request', outputs: [{ name: 'body', type: 'any' }, { name: 'status', type: 'integer' }] },
      { handle: 'route', type: 'trigger.route', outputs: [{ name: 'json', type: 'any' }, { name: 'params', type: 'object' }] },
    ],
    trigger: [{ name: 'json', type: 'any' }, { name: 'headers', type: 'object' }],
    env: ['API_URL', 'REGION'],
  };
  const at = (text: string) => {
    const cursor = text.indexOf('|');
    return completeExpression(text.replace('|', ''), cursor, ctx);
  };

  it('offers upstream handles and the roots right after {{', () => {
    const r = at('Hello {{ |');
    expect(r?.from).toBe(9);
    expect(r?.options.map((o) => o.label)).toEqual(['fetch', 'route', 'trigger', 'run', 'env']);
  });

  it('filters by the typed prefix, case-insensitively, best matches first', () => {
    const r = at('{{ fe| }}');
    expect(r?.from).toBe(3);
    expect(r?.to).toBe(5);
    expect(r?.options[0]).toMatchObject({ label: 'fetch', kind: 'node', apply: 'fetch' });
  });

  it('offers functions once something is typed', () => {
    const r = at('{{ upp|');
    expect(r?.options.map((o) => o.label)).toEqual(['upper']);
    expect(r?.options[0]!.apply).toBe('upper(');
  });

  it("offers a node's outputs after its handle and a dot", () => {
    expect(at('{{ fetch.| }}')?.options.map((o) => o.label)).toEqual(['body', 'status']);
    const r = at('x {{ fetch.st| }}');
    expect(r?.options.map((o) => [o.label, o.detail])).toEqual([['status', 'integer']]);
    expect(r?.from).toBe(11);
  });

  it('replaces the whole word under the cursor', () => {
    const r = at('{{ fetch.bo|dy }}');
    expect(r).toMatchObject({ from: 9, to: 13 });
  });

  it('offers trigger, run and env fields', () => {
    expect(at('{{ trigger.| }}')?.options.map((o) => o.label)).toEqual(['json', 'headers']);
    expect(at('{{ run.| }}')?.options.map((o) => o.label)).toEqual(['id', 'flow', 'stage', 'version', 'started']);
    expect(at('{{ env.RE| }}')?.options.map((o) => o.label)).toEqual(['REGION']);
  });

  it('offers each only inside loops', () => {
    expect(at('{{ ea|')?.options.map((o) => o.label) ?? []).not.toContain('each');
    const r = completeExpression('{{ each.', 8, { ...ctx, inLoop: true });
    expect(r?.options.map((o) => o.label)).toEqual(['item', 'index']);
  });

  it('offers nothing outside expressions, in strings, deeper paths or unknown handles', () => {
    expect(at('plain fe|')).toBeNull();
    expect(at('{{ a }} fe|')).toBeNull();
    expect(at('{{ "fe|')).toBeNull();
    expect(at('{{ fetch.body.|')).toBeNull();
    expect(at('{{ nobody.|')).toBeNull();
    expect(at('|')).toBeNull();
  });
});

describe('expressionProblems', () => {
  it('names unclosed, empty and unknown expressions', () => {
    expect(expressionProblems('{{ a.b }} {{ }} {{ zz.y }} {{ trigger.x', new Set(['a', 'trigger']))).toEqual([
      'expression at column 11 is empty',
      'expression {{ … }} refers to "zz", which is not a node handle (nor trigger, run or env)',
      'expression at column 28 is not closed with }}',
    ]);
  });
});
