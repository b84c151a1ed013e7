import { describe, expect, it } from 'vitest';
import { valuePlace } from './Inspector';

describe('where in a value a problem is', () => {
  it.each([
    ['/nodes/2/values/body/message', 'body', 'body.message'],
    ['/nodes/0/values/variables/1/value', 'variables', 'variables[1].value'],
    ['/nodes/0/values/a~1b/c~0d', 'a/b', 'a/b.c~d'],
    ['/nodes/0/values/url', 'url', null],
    ['/nodes/0/values/body/x', 'url', null],
    ['/connections/0', 'url', null],
  ])('%s of %s is %s', (path, port, want) => {
    expect(valuePlace(path, port)).toBe(want);
  });
});
