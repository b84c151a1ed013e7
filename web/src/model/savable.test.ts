import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { catalog, doc, node } from '../test/fixtures';
import { saveProblemsOf, saveProblemsText, settingProblem, unsavable } from './savable';

const at = { method: 'PUT', path: '/x', title: 'Unprocessable Entity' };
const d = doc([node('a', 'debug.log', { handle: 'log' }), node('b', 'http.request', { handle: 'fetch' })]);

describe('what keeps a draft from saving', () => {
  it('finds whole-number settings that are not whole numbers, named as the inspector names them', () => {
    expect(settingProblem('retries', 2)).toBeNull();
    expect(settingProblem('retries', undefined)).toBeNull();
    expect(settingProblem('retries', 1.5)).toBe('Retries must be a whole number');
    expect(settingProblem('timeout_ms', Number.NaN)).toBe('Timeout (ms) must be a number');
    // out of range is validation's (publishing refuses it), not the reader's: it saves
    expect(unsavable(doc([node('a', 'debug.log', { settings: { retries: 11, backoff_ms: 0 } })]))).toEqual([]);
    expect(unsavable(doc([node('a', 'debug.log', { handle: 'log', settings: { retries: 1.5, concurrency: 2.25 } })]))).toEqual([
      { node: 'a', handle: 'log', field: 'Retries', message: 'Retries must be a whole number' },
      { node: 'a', handle: 'log', field: 'Concurrency', message: 'Concurrency must be a whole number' },
    ]);
  });

  it("reads the server's 422 for a draft: the node by its index, the field by its label, the reason in words", () => {
    const msg = 'flow document, line 1 column 107: nodes[0].settings.retries: expected int, got JSON number 1.5';
    const err = new ApiError({ ...at, status: 422, detail: `body.document: ${msg}`, fieldErrors: [{ field: 'document', message: msg }] });
    const list = saveProblemsOf(err, d, catalog)!;
    expect(list).toEqual([{ node: 'a', handle: 'log', field: 'Retries', message: 'Retries must be a whole number (got 1.5)' }]);
    expect(saveProblemsText(list)).toBe('log · Retries must be a whole number (got 1.5)');
    // an input of the node's type, by its label; text expected
    const v = new ApiError({ ...at, status: 422, fieldErrors: [{ field: 'document', message: 'flow document, line 1 column 9: nodes[1].values.max_response_bytes: expected int64, got JSON string "a"' }, { field: 'document', message: 'flow document, line 1 column 3: nodes[1].handle: expected string, got JSON number 3' }] });
    expect(saveProblemsOf(v, d, catalog)).toEqual([
      { node: 'b', handle: 'fetch', field: 'Max response bytes', message: 'Max response bytes must be a whole number (got "a")' },
      { node: 'b', handle: 'fetch', message: 'Handle: expected string, got JSON number 3' },
    ]);
    expect(saveProblemsText(saveProblemsOf(v, d, catalog)!)).toBe('fetch · Max response bytes must be a whole number (got "a") (and 1 more)');
    // in JSON's words, without the value
    const j = new ApiError({ ...at, status: 422, fieldErrors: [{ field: 'document', message: 'nodes[0].settings.concurrency: expected integer, got number' }] });
    expect(saveProblemsOf(j, d, catalog)).toEqual([{ node: 'a', handle: 'log', field: 'Concurrency', message: 'Concurrency must be a whole number' }]);
    // a 422 naming no field: its detail, without the reader's line and column
    expect(saveProblemsOf(new ApiError({ ...at, status: 422, detail: 'flow document, line 1 column 2: unexpected data after the document' }), d)).toEqual([{ message: 'Unexpected data after the document' }]);
    // a field of the request other than the document keeps its name
    expect(saveProblemsOf(new ApiError({ ...at, status: 422, fieldErrors: [{ field: 'revision', message: 'must be at least 1' }] }), d)).toEqual([{ message: 'Revision: must be at least 1' }]);
    expect(saveProblemsOf(new ApiError({ ...at, status: 500 }), d)).toBeNull();
    expect(saveProblemsOf(new Error('x'), d)).toBeNull();
  });
});
