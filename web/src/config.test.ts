import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './config';

describe('runtime config', () => {
  it('reads a complete config', () => {
    expect(parseConfig({ apiUrl: '/api/v1', wsUrl: '/ws', issuer: 'http://localhost:8090/oidc', clientId: 'editor' })).toEqual({
      apiUrl: '/api/v1',
      wsUrl: '/ws',
      issuer: 'http://localhost:8090/oidc',
      clientId: 'editor',
    });
  });

  it('reads what the local cloud serves', () => {
    const local = {
      apiUrl: 'http://localhost:8090/api/v1',
      clientId: 'polysynergy-editor',
      issuer: 'http://localhost:8090',
      local: true,
      redirectPath: '/callback',
      triggerUrl: 'http://{project}-{stage}.localhost:8090',
      wsUrl: 'ws://localhost:8090/ws',
    };
    expect(parseConfig(local)).toEqual(local);
  });

  it.each([
    [null, 'expected a JSON object'],
    [{ apiUrl: '/a', wsUrl: '/ws', redirectPath: 'callback' }, '"redirectPath" must start with /'],
    [{ apiUrl: '/a', wsUrl: '/ws', local: 'yes' }, '"local" must be true or false'],
    [{ wsUrl: '/ws' }, '"apiUrl" is required'],
    [{ apiUrl: 1, wsUrl: '/ws' }, '"apiUrl" must be a string'],
    [{ apiUrl: '/a', wsUrl: '/ws', issuer: 'https://id' }, '"clientId" is required when "issuer" is set'],
  ])('names what is wrong (%#)', (raw, msg) => {
    expect(() => parseConfig(raw)).toThrow(msg);
  });

  it('loads /config.json without caching and reports HTTP and JSON failures', async () => {
    const seen: RequestInit[] = [];
    const ok = (async (_u: unknown, init?: RequestInit) => {
      seen.push(init ?? {});
      return new Response('{"apiUrl":"/api/v1","wsUrl":"/ws"}');
    }) as unknown as typeof fetch;
    await expect(loadConfig(ok)).resolves.toMatchObject({ apiUrl: '/api/v1', issuer: '' });
    expect(seen[0]!.cache).toBe('no-store');
    await expect(loadConfig((async () => new Response('', { status: 404 })) as unknown as typeof fetch)).rejects.toThrow('HTTP 404');
    await expect(loadConfig((async () => new Response('{nope')) as unknown as typeof fetch)).rejects.toThrow('not valid JSON');
  });
});
