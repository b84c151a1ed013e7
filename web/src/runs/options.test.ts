import { describe, expect, it } from 'vitest';
import { doc, node } from '../test/fixtures';
import { defaultOptions, defaultRequest, loadOptions, requestInput, type RunOptions, saveOptions, startInput, takesRequest } from './options';

const opts = (o: Partial<RunOptions> = {}): RunOptions => ({ start: '', subStage: '', useRequest: false, request: defaultRequest(), input: '', ...o });

describe('mock request', () => {
  it('becomes trigger data: upper-case method, lower-case headers, repeated query keys as lists', () => {
    const r = requestInput({
      method: 'post',
      path: '/users/7',
      headers: [
        { key: 'Content-Type', value: 'application/json' },
        { key: 'X-Tag', value: 'a' },
        { key: 'x-tag', value: 'b' },
        { key: '', value: '' },
      ],
      query: [
        { key: 'tag', value: 'a' },
        { key: 'tag', value: 'b' },
        { key: 'q', value: 'x y' },
      ],
      body: '{"n": 1}',
    });
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual({
      method: 'POST',
      path: '/users/7',
      headers: { 'content-type': 'application/json', 'x-tag': 'a, b' },
      query: { tag: ['a', 'b'], q: 'x y' },
      body: '{"n": 1}',
    });
  });

  it('names every bad field at once', () => {
    const r = requestInput({
      method: 'FETCH',
      path: 'users',
      headers: [{ key: 'Bad Name', value: 'x' }, { key: 'content-type', value: 'application/json' }],
      query: [{ key: '', value: 'orphan' }],
      body: '{nope',
    });
    expect(r.value).toBeUndefined();
    expect(r.problems.map((p) => p.field)).toEqual(['request.method', 'request.path', 'request.headers[0]', 'request.query[0]', 'request.body']);
    expect(r.problems[2]!.message).toContain('"Bad Name"');
  });

  it('sends a non-JSON body as it is when the content type is not JSON', () => {
    const r = requestInput({ ...defaultRequest('/x'), headers: [{ key: 'content-type', value: 'text/plain' }], body: '{nope' });
    expect(r.value?.body).toBe('{nope');
    expect(requestInput(defaultRequest()).value).toEqual({ method: 'GET', path: '/', headers: {}, query: {} });
  });
});

describe('start input', () => {
  it('plays from the trigger with nothing else by default', () => {
    expect(startInput(opts(), { takesRequest: true })).toEqual({ input: {}, problems: [] });
  });

  it('carries the start node, the sub-stage and the request of route flows', () => {
    const r = startInput(opts({ start: 'fetch', subStage: 'prod', useRequest: true, request: { ...defaultRequest('/a?x=1'), method: 'DELETE' } }), { takesRequest: true });
    expect(r.input).toEqual({ start: 'fetch', sub_stage: 'prod', input: { method: 'DELETE', path: '/a?x=1', headers: {}, query: {} } });
  });

  it('parses the JSON input of other triggers and refuses broken JSON', () => {
    expect(startInput(opts({ input: '{"a": [1]}' }), { takesRequest: false }).input).toEqual({ input: { a: [1] } });
    const bad = startInput(opts({ input: '{a' }), { takesRequest: false });
    expect(bad.input).toBeUndefined();
    expect(bad.problems[0]!.field).toBe('input');
    // a route flow ignores the free input; a request it does not send is not checked
    expect(startInput(opts({ input: '{a', request: { ...defaultRequest(), path: 'x' } }), { takesRequest: true }).input).toEqual({});
  });
});

describe('defaults and memory', () => {
  it('sends a request by default only when the trigger is a real route', () => {
    expect(defaultOptions(doc([node('r', 'trigger.route')]), '/hello').useRequest).toBe(true);
    expect(defaultOptions(doc([node('r', 'trigger.route')]), '/hello').request.path).toBe('/hello');
    expect(defaultOptions(doc([node('m', 'trigger.mock_route')])).useRequest).toBe(false);
    expect(takesRequest(doc([node('m', 'trigger.manual')]), 'schedule')).toBe(false);
    expect(takesRequest(doc([node('m', 'trigger.mock_route')]), 'blueprint')).toBe(true);
  });

  it('remembers options per flow and ignores broken entries', () => {
    const m = new Map<string, string>();
    const storage = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    const o = opts({ start: 'b', useRequest: true, request: { ...defaultRequest('/z'), headers: [{ key: 'a', value: '1' }] } });
    saveOptions(storage, 'f1', o);
    expect(loadOptions(storage, 'f1', opts())).toEqual(o);
    expect(loadOptions(storage, 'f2', opts({ start: 'fallback' })).start).toBe('fallback');
    m.set('ps.run-options.f3', '{broken');
    expect(loadOptions(storage, 'f3', opts({ start: 'fb' })).start).toBe('fb');
    m.set('ps.run-options.f4', JSON.stringify({ start: 7, request: { headers: [{ key: 1 }, { key: 'k', value: 'v' }] } }));
    const l = loadOptions(storage, 'f4', opts());
    expect(l.start).toBe('');
    expect(l.request.headers).toEqual([{ key: 'k', value: 'v' }]);
  });
});
