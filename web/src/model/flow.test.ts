import { describe, expect, it } from 'vitest';
import { DocumentError, parseDocument, rowKeys, sameButPositions, SCHEMA, toJSON } from './flow';
import { baseHandleForType, handleProblem, uniqueHandle } from './handles';

const sample = {
  schema: SCHEMA,
  nodes: [
    { id: 'n1', handle: 'route', type: 'trigger.route', position: { x: 0, y: 0 } },
    {
      id: 'n2',
      handle: 'reply',
      type: 'http.response',
      position: { x: 300, y: 0 },
      values: { body: { hello: '{{ route.params.name }}' } },
      settings: { timeout_ms: 5000, retries: 2, backoff_ms: 200, on_error: 'stop' },
    },
  ],
  connections: [{ from: { node: 'n1', port: 'true_path' }, to: { node: 'n2', port: 'node' } }],
  groups: [],
};

describe('parseDocument', () => {
  it('reads the document of docs/flows.md and writes it back the same', () => {
    const d = parseDocument(structuredClone(sample));
    expect(toJSON(d)).toEqual(sample);
  });

  it.each([
    [{ ...sample, schema: 'other@1' }, '/schema'],
    [{ ...sample, extra: 1 }, '/extra'],
    [{ ...sample, nodes: [{ ...sample.nodes[0], colour: 'red' }] }, '/nodes/0/colour'],
    [{ ...sample, nodes: [{ ...sample.nodes[0], id: 5 }] }, '/nodes/0/id'],
    [{ ...sample, nodes: [{ ...sample.nodes[0], flow_state: 'off' }] }, '/nodes/0/flow_state'],
    [{ ...sample, nodes: [{ ...sample.nodes[1], settings: { on_error: 'retry' } }] }, '/nodes/0/settings/on_error'],
    [{ ...sample, nodes: [{ ...sample.nodes[1], settings: { retry: 1 } }] }, '/nodes/0/settings/retry'],
    [{ ...sample, connections: [{ from: { node: 'n1' }, to: { node: 'n2', port: 'node' } }] }, '/connections/0/from/port'],
    [{ ...sample, groups: [{ id: 'g', name: 'G', members: [1] }] }, '/groups/0/members/0'],
  ])('rejects a bad document naming the place (%#)', (raw, path) => {
    try {
      parseDocument(raw);
      expect.unreachable('parsed');
    } catch (e) {
      expect(e).toBeInstanceOf(DocumentError);
      expect((e as DocumentError).path).toBe(path);
    }
  });

  it("keeps the flow's run settings, and refuses settings Go would not read", () => {
    const withSettings = { ...structuredClone(sample), settings: { max_node_runs: 50000 } };
    expect(toJSON(parseDocument(structuredClone(withSettings)))).toEqual(withSettings);
    expect(toJSON(parseDocument({ ...structuredClone(sample), settings: {} }))).toEqual(sample);
    for (const [settings, path] of [
      [{ max_node_runs: 2.5 }, '/settings/max_node_runs'],
      [{ max_node_runs: '5' }, '/settings/max_node_runs'],
      [{ budget: 5 }, '/settings/budget'],
      [[], '/settings'],
    ] as const) {
      try {
        parseDocument({ ...structuredClone(sample), settings });
        expect.unreachable(`parsed ${JSON.stringify(settings)}`);
      } catch (e) {
        expect((e as DocumentError).path).toBe(path);
      }
    }
  });

  it('leaves empty optional fields out when writing, as Go does', () => {
    const d = parseDocument({ schema: SCHEMA, nodes: [{ id: 'a', handle: 'a', type: 'x.y', position: { x: 1.4, y: 2.6 } }], connections: [] });
    d.nodes[0]!.settings = { retries: 0 };
    d.nodes[0]!.values = { gone: undefined };
    expect(toJSON(d).nodes[0]).toEqual({ id: 'a', handle: 'a', type: 'x.y', position: { x: 1, y: 3 } });
  });
});

describe('rowKeys', () => {
  it('reads row lists and plain objects, skipping empty keys', () => {
    const n = { id: 'a', handle: 'a', type: 't', position: { x: 0, y: 0 }, values: { c: [{ key: 'x' }, { key: '' }, { value: 1 }, { key: 'y' }], h: { a: 1 } } };
    expect(rowKeys(n, 'c')).toEqual(['x', 'y']);
    expect(rowKeys(n, 'h')).toEqual(['a']);
    expect(rowKeys(n, 'none')).toEqual([]);
  });
});

describe('handles', () => {
  it.each([
    ['fetch', null],
    ['_x1', null],
    ['Fetch', /must start with a lowercase letter/],
    ['1x', /must start/],
    ['a-b', /must start/],
    ['trigger', /reserved/],
    ['env', /reserved/],
    ['upper', /expression function/],
    ['slugify', /expression function/],
    ['taken', /used by another node/],
  ])('%s', (h, problem) => {
    const p = handleProblem(h, ['taken']);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toMatch(problem);
  });

  it('picks a free handle, avoiding reserved words and functions', () => {
    expect(uniqueHandle('response', new Set())).toBe('response');
    expect(uniqueHandle('response', new Set(['response', 'response_2']))).toBe('response_3');
    expect(uniqueHandle('upper', new Set())).toBe('upper_2');
    expect(uniqueHandle('HTTP Request!', new Set())).toBe('http_request');
    expect(uniqueHandle('404', new Set())).toBe('n_404');
  });

  it('starts new nodes with the type name, or the whole id when the name is taken by expressions', () => {
    expect(baseHandleForType('http.response')).toBe('response');
    expect(baseHandleForType('variable.number')).toBe('variable_number');
    expect(baseHandleForType('trigger.route')).toBe('route');
  });
});

describe('sameButPositions', () => {
  it('ignores moved nodes but sees every other change', () => {
    const a = parseDocument(structuredClone(sample));
    const moved = { ...a, nodes: a.nodes.map((n, i) => (i === 0 ? { ...n, position: { x: 9, y: 9 } } : n)) };
    expect(sameButPositions(a, moved)).toBe(true);
    const renamed = { ...a, nodes: a.nodes.map((n, i) => (i === 0 ? { ...n, handle: 'x' } : n)) };
    expect(sameButPositions(a, renamed)).toBe(false);
    expect(sameButPositions(a, { ...a, connections: [...a.connections] })).toBe(false);
    expect(sameButPositions(a, { ...a, nodes: a.nodes.slice(1) })).toBe(false);
    const revalued = { ...a, nodes: a.nodes.map((n, i) => (i === 1 ? { ...n, values: { ...n.values } } : n)) };
    expect(sameButPositions(a, revalued)).toBe(false);
  });
});
