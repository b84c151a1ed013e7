import { describe, expect, it } from 'vitest';
import type { Segment } from '../api/types';
import { curlExample, routePattern, samplePath, sampleValues, stageBaseUrl, triggerUrl } from './trigger';

const segs: Segment[] = [
  { kind: 'static', value: 'users' },
  { kind: 'variable', name: 'id', type: 'uuid' },
  { kind: 'static', value: 'orders' },
  { kind: 'variable', name: 'n', type: 'number' },
  { kind: 'variable', name: 'slug', type: 'string' },
];

describe('trigger URLs', () => {
  it('writes the pattern with variable types', () => {
    expect(routePattern([])).toBe('/');
    expect(routePattern(segs)).toBe('/users/{id:uuid}/orders/{n:number}/{slug}');
  });
  it('fills samples per type: text variables get sample words, not their own names', () => {
    expect(samplePath(segs)).toBe('/users/00000000-0000-4000-8000-000000000000/orders/42/ada');
    // /hello/{name} was called as /hello/name, which reads as a literal path
    const hello: Segment[] = [{ kind: 'static', value: 'hello' }, { kind: 'variable', name: 'name', type: 'string' }];
    expect(samplePath(hello)).toBe('/hello/ada');
    expect(sampleValues([...hello, { kind: 'variable', name: 'rest', type: 'any' }])).toEqual([
      { name: 'name', type: 'string', value: 'ada' },
      { name: 'rest', type: 'any', value: 'grace' },
    ]);
  });
  it('quotes the URL for the shell and turns curl globbing off where it has braces or brackets', () => {
    const hello: Segment[] = [{ kind: 'static', value: "it's" }, { kind: 'variable', name: 'name', type: 'string' }];
    expect(curlExample({ pattern: 'http://{project}-{stage}.localhost:8090', slug: 's', stage: 'dev', method: 'GET', segments: hello })).toBe(
      `curl -i 'http://s-dev.localhost:8090/it'\\''s/ada'`,
    );
    expect(curlExample({ pattern: 'http://[::1]:8090', slug: 's', stage: 'dev', method: 'GET', segments: hello.slice(1) })).toBe(`curl -i -g 'http://[::1]:8090/s/dev/ada'`);
  });
  it('puts slug and stage into the host pattern', () => {
    expect(stageBaseUrl('http://{project}-{stage}.localhost:8090', 'shop', 'prod')).toBe('http://shop-prod.localhost:8090');
    expect(stageBaseUrl('https://{project}-{stage}.example.com/', 'shop', 'dev')).toBe('https://shop-dev.example.com');
    expect(stageBaseUrl('https://abc.execute-api.eu-west-1.amazonaws.com', 'shop', 'dev')).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/shop/dev');
    expect(stageBaseUrl(undefined, 'shop', 'dev')).toBeNull();
    expect(triggerUrl('http://{project}-{stage}.localhost:8090', 'shop', 'prod', segs)).toBe('http://shop-prod.localhost:8090/users/{id}/orders/{n}/{slug}');
    expect(triggerUrl('', 'shop', 'prod', segs)).toBeNull();
  });
  it('asks for a HEAD with -I, not -X HEAD (which waits for a body that never comes)', () => {
    const hello: Segment[] = [{ kind: 'static', value: 'hello' }];
    expect(curlExample({ pattern: 'http://{project}-{stage}.localhost:8090', slug: 's', stage: 'dev', method: 'HEAD', segments: hello })).toBe("curl -I 'http://s-dev.localhost:8090/hello'");
    expect(curlExample({ pattern: 'http://{project}-{stage}.localhost:8090', slug: 's', stage: 'dev', method: 'HEAD', segments: hello, requireApiKey: true })).toBe(
      `curl -I -H "X-API-Key: $POLYSYNERGY_API_KEY" 'http://s-dev.localhost:8090/hello'`,
    );
  });
  it('writes a curl line with method, key and body', () => {
    expect(curlExample({ pattern: 'http://{project}-{stage}.localhost:8090', slug: 's', stage: 'dev', method: 'GET', segments: [] })).toBe("curl -i 'http://s-dev.localhost:8090/'");
    expect(curlExample({ pattern: 'http://{project}-{stage}.localhost:8090', slug: 's', stage: 'dev', method: 'POST', segments: segs.slice(0, 2), requireApiKey: true })).toBe(
      `curl -i -X POST -H "X-API-Key: $POLYSYNERGY_API_KEY" -H 'Content-Type: application/json' -d '{}' 'http://s-dev.localhost:8090/users/00000000-0000-4000-8000-000000000000'`,
    );
  });
});
