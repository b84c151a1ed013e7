import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalog, conn, doc, node } from '../test/fixtures';
import { parseDocument } from './flow';
import { comparePaths, problemsFromServer, validateDocument } from './validate';

describe('validateDocument', () => {
  it('finds nothing wrong with a good flow', () => {
    const d = doc(
      [
        node('t', 'trigger.route', { handle: 'route' }),
        node('r', 'http.response', { handle: 'reply', values: { status: 201, body: { id: '{{ route.params.id }}' } } }),
      ],
      [conn('t', 'true_path', 'r', 'node')],
    );
    expect(validateDocument(d, catalog)).toEqual([]);
  });

  it('lets a multi list input (Merge) collect values of any type, as the server does; not a service', () => {
    // examples/fan-out.json runs and the server calls it valid; the editor showed 3 problems
    const fanOut = parseDocument(JSON.parse(readFileSync(new URL('../../../examples/fan-out.json', import.meta.url), 'utf8')));
    expect(validateDocument(fanOut, catalog)).toEqual([]);
    const d = doc(
      [node('s', 'variable.string'), node('n', 'variable.number'), node('st', 'variable.store'), node('m', 'control.merge', { handle: 'joined' })],
      [conn('s', 'value', 'm', 'inputs'), conn('n', 'value', 'm', 'inputs'), conn('st', 'store', 'm', 'inputs')],
    );
    expect(validateDocument(d, catalog).map((p) => [p.path, p.message])).toEqual([['/connections/2', 'output st.store (service:kv) cannot feed input joined.inputs (list)']]);
  });

  it('reports every problem with its path, node and port', () => {
    const d = doc(
      [
        node('a', 'control.delay', { handle: 'wait', values: { ms: 'soon', nope: 1 } }),
        node('b', 'control.delay', { handle: 'wait' }),
        node('c', 'nothing.here', { handle: 'c' }),
        node('d', 'variable.env', { handle: 'upper' }),
        node('e', 'debug.log', { handle: 'log', values: { message: 'hi {{ ghost.x }} {{ wait', level: 'info' }, settings: { retries: 11 } }),
        node('f', 'variable.string', { handle: 's' }),
      ],
      [conn('f', 'value', 'a', 'ms'), conn('f', 'value', 'e', 'value'), conn('a', 'value', 'e', 'value'), conn('x', 'value', 'e', 'node')],
    );
    const probs = validateDocument(d, catalog).map((p) => [p.path, p.node ?? '', p.port ?? '', p.message]);
    expect(probs).toEqual([
      ['/connections/0', 'a', 'ms', 'output s.value (string) cannot feed input wait.ms (integer)'],
      ['/connections/2/to', 'e', 'value', 'input log.value already has a source (connection 1); it takes one'],
      ['/connections/3/from/node', 'e', 'node', 'connection comes from node "x", which does not exist'],
      ['/nodes/0/values/ms', 'a', 'ms', 'input "ms" takes a number, not string "soon"'],
      ['/nodes/0/values/nope', 'a', 'nope', 'node type control.delay has no input "nope"'],
      ['/nodes/1/handle', 'b', '', 'handle "wait" is used by another node'],
      ['/nodes/2/type', 'c', '', 'unknown node type "nothing.here"'],
      ['/nodes/3/handle', 'd', '', 'handle "upper" is the name of an expression function; choose another'],
      ['/nodes/3/values/key', 'd', 'key', 'required input "key" of "upper" has neither a value nor a connection'],
      ['/nodes/4/settings/retries', 'e', '', 'retries must be between 0 and 10'],
      ['/nodes/4/values/message', 'e', 'message', 'expression {{ … }} refers to "ghost", which is not a node handle (nor trigger, run or env)'],
      ['/nodes/4/values/message', 'e', 'message', 'expression at column 18: opening {{ has no closing }}'],
    ]);
  });

  it("reports each broken {{ }} of a templated value at its place, and none of a value that is not templated", () => {
    const d = doc([
      node('t', 'trigger.route', { handle: 'route' }),
      node('r', 'http.response', { handle: 'reply', values: { status: 200, body: { a: '{{ route.body.items[0 }}', b: ['ok', '{{ 1 + }}'], c: '{{ route.params.id }}' } } }),
      node('tpl', 'text.template', { values: { template: 'Hello {{ name | upper' } }),
    ]);
    const probs = validateDocument(d, catalog).filter((p) => p.message.startsWith('expression'));
    expect(probs.map((p) => [p.path, p.node, p.port, p.message])).toEqual([
      ['/nodes/1/values/body/a', 'r', 'body', 'expression at column 20: [ is not closed with ]'],
      ['/nodes/1/values/body/b/1', 'r', 'body', 'expression at column 6: + at the end has nothing after it'],
    ]);
  });

  it("refuses a literal number outside its input's bounds, as the server words it", () => {
    const d = doc([
      node('a', 'control.delay', { handle: 'wait', values: { ms: -5 } }),
      node('b', 'code.javascript', { handle: 'js', values: { code: 'return 1', timeout_ms: 60000, memory_mb: '{{ 2 * 1024 }}' } }),
      node('c', 'list.chunk', { handle: 'chunk', values: { list: [], size: 0 } }),
      node('d', 'control.delay', { handle: 'ok', values: { ms: 900000 } }),
    ]);
    const probs = validateDocument(d, catalog).filter((p) => p.message.includes('must be'));
    expect(probs.map((p) => [p.path, p.port, p.message])).toEqual([
      ['/nodes/0/values/ms', 'ms', 'input "ms": must be between 0 and 900000, got -5'],
      ['/nodes/1/values/timeout_ms', 'timeout_ms', 'input "timeout_ms": must be between 1 and 30000, got 60000'],
      ['/nodes/2/values/size', 'size', 'input "size": must be at least 1, got 0'],
    ]);
  });

  // the server's check of a saved revision leaves out what the editor shows with the same words,
  // so a problem worded otherwise showed twice (these are the server's words for each value)
  it.each([
    ['control.delay', 'ms', 'abc', 'input "ms" takes a number, not string "abc"'],
    ['control.delay', 'ms', [1], 'input "ms" takes a number, not list "[1]"'],
    ['control.delay', 'ms', { b: 1, a: 2 }, 'input "ms" takes a number, not object "{\\"a\\":2,\\"b\\":1}"'],
    ['control.delay', 'ms', { long: 'x'.repeat(60) }, 'input "ms" takes a number, not object "{\\"long\\":\\"xxxxxxxxxxxxxxxxxxxxxxxxxxxx..."'],
    ['control.delay', 'ms', 'Infinity', 'input "ms" takes a number, not string "Infinity"'],
    ['control.delay', 'ms', '0x10', 'input "ms" takes a number, not string "0x10"'],
    ['control.random_path', 'probability', '0x10', 'input "probability" takes a number, not string "0x10"'],
    ['control.random_path', 'probability', '1_000', 'input "probability": must be between 0 and 1, got 1000'],
    ['http.request', 'follow_redirects', 5, 'input "follow_redirects" takes true or false, not number "5"'],
    ['http.request', 'follow_redirects', 'NaN', 'input "follow_redirects" takes true or false, not "nan"'],
    ['http.request', 'method', 'FOO', 'input "method" must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, not "FOO"'],
  ])('words a literal %s.%s of %j as the server does', (type, port, value, message) => {
    const d = doc([node('n', type, { values: { url: 'https://example.com', [port]: value } })]);
    expect(validateDocument(d, catalog).filter((p) => p.port === port).map((p) => p.message)).toEqual([message]);
  });

  it('reads numbers as the server does: true, 1_000 and " 7 " are numbers, an expression or placeholder is not checked', () => {
    for (const ms of [true, '1_000', ' 7 ', '{{ 5 }}', '<env:WAIT>', 'x<env:WAIT>']) {
      expect(validateDocument(doc([node('n', 'control.delay', { values: { ms } })]), catalog)).toEqual([]);
    }
  });

  it('words settings out of range as the server does, and reports a node connected to itself once', () => {
    const d = doc([node('n', 'debug.log', { settings: { retries: 11, timeout_ms: 1.5 } })], [conn('n', 'value', 'n', 'value')]);
    expect(validateDocument(d, catalog).map((p) => p.message)).toEqual([
      'node "n" is connected to itself',
      'retries must be between 0 and 10',
      'timeout_ms must be a whole number',
    ]);
  });

  it('counts a connection into a dict sub-port as feeding the port', () => {
    const d = doc(
      [node('s', 'variable.string'), node('sw', 'control.switch', { values: { cases: [{ key: 'a', value: 1 }] } }), node('st', 'variable.store'), node('g', 'variable.store_get', { values: { key: 'k' } })],
      [conn('s', 'value', 'sw', 'cases.a'), conn('st', 'store', 'g', 'store')],
    );
    expect(validateDocument(d, catalog)).toEqual([]);
  });

  it('reports a cycle once with its path of handles', () => {
    const d = doc([node('a', 'control.delay'), node('b', 'control.delay')], [conn('a', 'true_path', 'b', 'node'), conn('b', 'true_path', 'a', 'node')]);
    expect(validateDocument(d, catalog).map((p) => p.message)).toEqual([
      'connection closes a cycle a → b → a; repeat work with a for-each or a jump/to pair instead',
    ]);
  });
});

describe('triggers of one kind', () => {
  it('flags a second HTTP route, Schedule, Flow input or Tool start as the server does, disabled ones too', () => {
    const d = doc([
      node('route', 'trigger.route'),
      node('manual', 'trigger.manual'),
      node('manual2', 'trigger.manual'),
      node('route2', 'trigger.route', { flow_state: 'disabled' }),
      node('tick', 'trigger.schedule'),
      node('tick2', 'trigger.schedule'),
      node('in', 'flow.input'),
      node('in2', 'flow.input'),
      node('tool', 'tool.start'),
      node('tool2', 'tool.start'),
      node('route3', 'trigger.route'),
    ]);
    const probs = validateDocument(d, catalog).filter((p) => p.message.includes(' is a second '));
    expect(probs.map((p) => [p.path, p.node, p.message.slice(0, p.message.indexOf(':'))])).toEqual([
      ['/nodes/3', 'route2', '"route2" is a second HTTP route (trigger.route) in the flow, besides "route"'],
      ['/nodes/5', 'tick2', '"tick2" is a second Schedule (trigger.schedule) in the flow, besides "tick"'],
      ['/nodes/7', 'in2', '"in2" is a second Flow input (flow.input) in the flow, besides "in"'],
      ['/nodes/9', 'tool2', '"tool2" is a second Tool start (tool.start) in the flow, besides "tool"'],
      ['/nodes/10', 'route3', '"route3" is a second HTTP route (trigger.route) in the flow, besides "route"'],
    ]);
    expect(probs[0]!.message).toBe(
      `"route2" is a second HTTP route (trigger.route) in the flow, besides "route": a run enters at the flow's one HTTP route node, so it could not tell which to start from; keep one`,
    );
    expect(probs.every((p) => !p.warning)).toBe(true);
  });

  it('leaves triggers of different kinds and several Manual plays alone', () => {
    const d = doc([node('route', 'trigger.route'), node('m1', 'trigger.manual'), node('m2', 'trigger.manual'), node('tick', 'trigger.schedule'), node('mock', 'trigger.mock_route'), node('mock2', 'trigger.mock_route')]);
    expect(validateDocument(d, catalog).filter((p) => p.message.includes(' is a second '))).toEqual([]);
  });
});

describe('problems from the server', () => {
  it('marks warnings as warnings', () => {
    const d = doc([node('a', 'control.delay'), node('b', 'control.delay')]);
    expect(problemsFromServer(d, [{ path: '/nodes/1/values/ms', message: 'reads a', node: 'b', port: 'ms' }], true)).toEqual([
      { path: '/nodes/1/values/ms', message: 'reads a', node: 'b', port: 'ms', warning: true },
    ]);
  });

  it('maps JSON pointers to node ids', () => {
    const d = doc([node('a', 'control.delay'), node('b', 'control.delay', { handle: 'bee' })], [conn('a', 'true_path', 'b', 'node')]);
    expect(
      problemsFromServer(d, [
        { path: '/nodes/1/values/ms', message: 'm1', node: 'bee', port: 'ms' },
        { path: '/connections/0', message: 'm2' },
        { path: '/groups/0', message: 'm3', node: 'bee' },
        { path: '/schema', message: 'm4' },
        { path: '/nodes/0/values/a~1b', message: 'm5' },
      ]),
    ).toEqual([
      { path: '/nodes/1/values/ms', message: 'm1', node: 'b', port: 'ms' },
      { path: '/connections/0', message: 'm2', node: 'b', port: 'node' },
      { path: '/groups/0', message: 'm3', node: 'b', port: undefined },
      { path: '/schema', message: 'm4', node: undefined, port: undefined },
      // the port is read from the pointer when the server names none
      { path: '/nodes/0/values/a~1b', message: 'm5', node: 'a', port: 'a/b' },
    ]);
  });

  it('orders paths numerically', () => {
    expect(['/nodes/10', '/nodes/2/x', '/connections/1', '/nodes/2'].sort(comparePaths)).toEqual(['/connections/1', '/nodes/2', '/nodes/2/x', '/nodes/10']);
  });
});
