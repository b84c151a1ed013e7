import { describe, expect, it } from 'vitest';
import goMatrix from '../fixtures/compatible.json';
import { compatible, isValidPortType, splitPort } from './ports';

describe('compatible', () => {
  it('agrees with Go nodes.Compatible on every pair of types', () => {
    expect(goMatrix.length).toBe(14 * 14);
    const wrong = goMatrix.filter((r) => compatible(r.from, r.to) !== r.ok).map((r) => `${r.from}→${r.to} (Go says ${r.ok})`);
    expect(wrong).toEqual([]);
  });

  it.each([
    ['integer', 'number', true],
    ['number', 'integer', false],
    ['boolean', 'string', true],
    ['string', 'boolean', false],
    ['string', 'datetime', true],
    ['datetime', 'string', true],
    ['string', 'secret', true],
    ['secret', 'string', true],
    ['object', 'list', false],
    ['any', 'object', true],
    ['list', 'any', true],
    ['any', 'loop', false],
    ['loop', 'loop', true],
    ['jump', 'jump', true],
    ['jump', 'any', false],
    ['service:kv', 'service:kv', true],
    ['service:kv', 'service:chat_model', false],
    ['any', 'service:kv', false],
    ['service:kv', 'any', false],
  ])('%s → %s is %s', (from, to, ok) => {
    expect(compatible(from, to)).toBe(ok);
  });
});

describe('port helpers', () => {
  it('knows the valid port types', () => {
    expect(isValidPortType('datetime')).toBe(true);
    expect(isValidPortType('service:kv')).toBe(true);
    expect(isValidPortType('service:')).toBe(false);
    expect(isValidPortType('float')).toBe(false);
  });

  it('splits dynamic sub-ports at the first dot', () => {
    expect(splitPort('cases.ok')).toEqual({ port: 'cases', sub: 'ok' });
    expect(splitPort('headers.x.y')).toEqual({ port: 'headers', sub: 'x.y' });
    expect(splitPort('value')).toEqual({ port: 'value', sub: '' });
  });
});
