import { describe, expect, it } from 'vitest';
import { parseRoute, routePath } from '../shell/routes';

describe('publish matrix route', () => {
  it('parses /p/{project}/publish', () => {
    expect(parseRoute('/p/prj1/publish')).toEqual({ name: 'publish', project: 'prj1' });
    expect(parseRoute('/p/prj1/publish/')).toEqual({ name: 'publish', project: 'prj1' });
    expect(parseRoute('/p/prj1/publish/x')).toEqual({ name: 'not-found', path: '/p/prj1/publish/x' });
  });
  it('round-trips', () => {
    expect(routePath({ name: 'publish', project: 'a b' })).toBe('/p/a%20b/publish');
    expect(parseRoute(routePath({ name: 'publish', project: 'a b' }))).toEqual({ name: 'publish', project: 'a b' });
  });
});
