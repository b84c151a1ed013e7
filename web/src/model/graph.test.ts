import { describe, expect, it } from 'vitest';
import { catalog, conn, doc, node } from '../test/fixtures';
import { canConnect, nodeInputs, nodeOutputs, upstreamNodes } from './graph';

const sw = node('sw', 'control.switch', {
  values: { cases: [{ key: 'ok', value: 200 }, { key: 'missing', value: 404 }, { key: '' }] },
});

describe('node ports', () => {
  it('shows dict rows as sub-ports after the dynamic input, and only the rows on a dynamic output', () => {
    const t = catalog.get('control.switch')!;
    expect(nodeInputs(sw, t).map((p) => p.id)).toEqual(['node', 'value', 'cases', 'cases.ok', 'cases.missing', 'mode']);
    expect(nodeOutputs(sw, t).map((p) => p.id)).toEqual(['cases.ok', 'cases.missing', 'default', 'matched', 'true_path', 'false_path']);
  });

  it('takes plain-object dict values as rows too', () => {
    const resp = node('r', 'http.response', { values: { headers: { 'x-id': '1' } } });
    expect(nodeInputs(resp, catalog.get('http.response')!).map((p) => p.id)).toContain('headers.x-id');
  });

  it('gives triggers no node input', () => {
    const t = catalog.get('trigger.route')!;
    expect(nodeInputs(node('t', 'trigger.route'), t).map((p) => p.id)).not.toContain('node');
  });
});

describe('canConnect', () => {
  const base = doc([
    node('route', 'trigger.route'),
    node('num', 'variable.number'),
    node('str', 'variable.string'),
    node('bool', 'variable.boolean'),
    node('delay', 'control.delay'),
    node('merge', 'control.merge'),
    node('pick', 'data.pick'),
    node('store', 'variable.store'),
    node('get', 'variable.store_get'),
    node('jump', 'control.jump'),
    node('to', 'control.to'),
    sw,
  ]);

  it.each([
    ['number → integer input is refused', conn('num', 'value', 'delay', 'ms'), false, /\(number\) cannot feed .*\(integer\)/],
    ['string → integer input is refused', conn('str', 'value', 'delay', 'ms'), false, /cannot feed/],
    ['boolean → any is fine', conn('bool', 'value', 'delay', 'value'), true, null],
    ['true_path → node input is fine', conn('route', 'true_path', 'delay', 'node'), true, null],
    ['a service goes only to its kind', conn('store', 'store', 'get', 'store'), true, null],
    ['a service does not go to any', conn('store', 'store', 'delay', 'value'), false, /cannot feed/],
    ['unknown output', conn('num', 'nope', 'delay', 'value'), false, /has no output "nope"/],
    ['unknown input', conn('num', 'value', 'delay', 'nope'), false, /has no input "nope"/],
    ['string → number input is refused', conn('str', 'value', 'num', 'value'), false, /\(string\) cannot feed .*\(number\)/],
    ['number → string input is fine', conn('num', 'value', 'str', 'value'), true, null],
    // a multi list input (Merge's inputs) collects one value of any type per connection, as the
    // server validates it (shared/flow): the editor refused the drag and flagged examples/fan-out.json
    ['number → a multi list input is fine', conn('num', 'value', 'merge', 'inputs'), true, null],
    ['string → a multi list input is fine', conn('str', 'value', 'merge', 'inputs'), true, null],
    ['a service does not go to a multi list input', conn('store', 'store', 'merge', 'inputs'), false, /cannot feed/],
    ['number → a single list input is refused', conn('num', 'value', 'pick', 'keys'), false, /\(number\) cannot feed .*\(list\)/],
    ['itself', conn('delay', 'value', 'delay', 'value'), false, /itself/],
    ['a row sub-port output takes anything', conn('sw', 'cases.ok', 'delay', 'ms'), true, null],
    ['a missing row is not a port', conn('sw', 'cases.nope', 'delay', 'node'), false, /has no output "cases.nope"/],
    ['jump → to', conn('jump', 'to', 'to', 'from'), true, null],
  ])('%s', (_name, c, ok, reason) => {
    const r = canConnect(base, catalog, c);
    expect(r.ok).toBe(ok);
    if (!r.ok && reason) expect(r.reason).toMatch(reason);
  });

  it('refuses a second source on a single-valued input but not on a multi input', () => {
    const d = doc(base.nodes, [conn('num', 'value', 'delay', 'value'), conn('delay', 'value', 'merge', 'inputs')]);
    const second = canConnect(d, catalog, conn('str', 'value', 'delay', 'value'));
    expect(second).toEqual({ ok: false, code: 'taken', reason: 'input delay.value already has a source; it takes one' });
    expect(canConnect(d, catalog, conn('sw', 'matched', 'merge', 'inputs')).ok).toBe(true);
    expect(canConnect(d, catalog, conn('bool', 'value', 'delay', 'node')).ok).toBe(true);
  });

  it('lets a connection be moved onto the input it already feeds', () => {
    const d = doc(base.nodes, [conn('num', 'value', 'delay', 'value')]);
    expect(canConnect(d, catalog, conn('str', 'value', 'delay', 'value'), 'num:value->delay:value').ok).toBe(true);
  });

  it('refuses the same connection twice', () => {
    const d = doc(base.nodes, [conn('delay', 'value', 'merge', 'inputs')]);
    expect(canConnect(d, catalog, conn('delay', 'value', 'merge', 'inputs'))).toEqual({ ok: false, code: 'duplicate', reason: 'these ports are already connected' });
  });

  it('refuses closing a cycle, except with a jump back-connection', () => {
    const d = doc(
      [node('a', 'control.delay'), node('b', 'control.delay'), node('j', 'control.jump'), node('t', 'control.to')],
      [conn('a', 'true_path', 'b', 'node'), conn('t', 'true_path', 'j', 'node')],
    );
    const r = canConnect(d, catalog, conn('b', 'true_path', 'a', 'node'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/cycle/);
    expect(canConnect(d, catalog, conn('j', 'to', 't', 'from')).ok).toBe(true);
  });
});

describe('upstreamNodes', () => {
  it('lists every node upstream, not downstream or beside, and ignores jump back-connections', () => {
    const d = doc(
      [node('a', 'trigger.manual'), node('b', 'control.to'), node('c', 'control.jump'), node('d', 'control.delay'), node('e', 'control.delay')],
      [conn('a', 'true_path', 'b', 'node'), conn('b', 'true_path', 'c', 'node'), conn('c', 'to', 'b', 'from'), conn('c', 'true_path', 'd', 'node')],
    );
    expect(upstreamNodes(d, catalog, 'd').map((n) => n.id)).toEqual(['a', 'b', 'c']);
    expect(upstreamNodes(d, catalog, 'b').map((n) => n.id)).toEqual(['a']);
    expect(upstreamNodes(d, catalog, 'e')).toEqual([]);
  });
});
