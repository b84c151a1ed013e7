import { describe, expect, it } from 'vitest';
import {
  completeExpression,
  type CompletionContext,
  bodySyntaxProblem,
  expressionProblems,
  expressionRefs,
  expressionSyntaxProblem,
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
    // what the server's parser reads: comments name nothing, 0x1F and 1_000 are numbers, and
    // null is a name (expr says nil), as the server's check says
    ['fetch.body // the raw body', ['fetch']],
    ['fetch.body /* the raw body */ + 1', ['fetch']],
    ['0x1F + 0o17 + 0b101 + 1_000 + 1.5e3', []],
    ['x != null', ['x', 'null']],
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
      'expression at column 11: empty expression {{ }}',
      'expression {{ … }} refers to "zz", which is not a node handle (nor trigger, run or env)',
      'expression at column 28: opening {{ has no closing }}',
    ]);
  });
});

describe('the quick syntax check of an expression', () => {
  it.each([
    ['fetch.body.items[0]', null],
    ['upper(route.params.name) + "x"', null],
    ['{name: a.b, list: [1, (2 + 3)]}', null],
    ['"}}{{[(" + \'\\\'\' + `a\\`', null],
    ['a ?? b', null],
    ['x ? y : z', null],
    ['a.in + 1.5', null],
    ['-1', null],
    ["a /* it's */ + b // the end's +", null],
    // what the server's parser takes (checked against polysynergy validate)
    ['route.params // it\'s\n', null],
    ['1.', null],
    ['route.x?.y', null],
    ["route.a ?? 'x'", null],
    ['[1,2,][0]', null],
    ['{a: 1,}.a', null],
    ['route.a | upper()', null],
    ['route.a != nil ? 1 : 2', null],
    ['1..3', null],
    ["route.a matches '^a'", null],
    ['!true', null],
    ['a /* open', { at: 2, reason: 'the comment started with /* is not closed with */' }],
    ['fetch.body.items[0', { at: 16, reason: '[ is not closed with ]' }],
    ['f(a, [1, 2)', { at: 10, reason: '] is missing before ) (to close [)' }],
    ['a)', { at: 1, reason: ') has no ( to close' }],
    ['"abc', { at: 0, reason: 'the text started with " is not closed with "' }],
    ["'it\\'s", { at: 0, reason: "the text started with ' is not closed with '" }],
    ['1 +', { at: 2, reason: '+ at the end has nothing after it' }],
    ['a &&  ', { at: 2, reason: '&& at the end has nothing after it' }],
    ['fetch.', { at: 5, reason: '. at the end has nothing after it' }],
    ['a and', { at: 2, reason: 'and at the end has nothing after it' }],
  ])('%s', (body, want) => {
    expect(bodySyntaxProblem(body)).toEqual(want);
  });

  it('words problems like the server, with the column in the whole value (and the line past the first)', () => {
    const at = (text: string) => findExpressions(text).map((e) => expressionSyntaxProblem(text, e));
    expect(at('Hi {{ fetch.body.items[0 }} and {{ 1 + }} {{ }} {{ ok }}')).toEqual([
      'expression at column 23: [ is not closed with ]',
      'expression at column 38: + at the end has nothing after it',
      'expression at column 43: empty expression {{ }}',
      null,
    ]);
    expect(at('line one\nsay {{ "open }}')).toEqual(['expression at line 2, column 8: the text started with " is not closed with "']);
    expect(at('x {{ trigger.id')).toEqual(['expression at column 3: opening {{ has no closing }}']);
  });
});
