import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown } from './markdown';

describe('markdown', () => {
  it('reads inline code, bold and italics', () => {
    expect(parseInline('Set `status` to **201** for *created* items')).toEqual([
      { kind: 'text', text: 'Set ' },
      { kind: 'code', text: 'status' },
      { kind: 'text', text: ' to ' },
      { kind: 'strong', text: '201' },
      { kind: 'text', text: ' for ' },
      { kind: 'em', text: 'created' },
      { kind: 'text', text: ' items' },
    ]);
  });

  it('reads the blocks of node documentation', () => {
    const doc = 'Sends a reply.\nSecond line.\n\n**Inputs**\n\n- `status` — the code\n- `body` — any value,\n  continued\n\n1. one\n2. two\n\n## Example\n```\n{"a": 1}\n```';
    expect(parseMarkdown(doc)).toEqual([
      { kind: 'p', inlines: [{ kind: 'text', text: 'Sends a reply. Second line.' }] },
      { kind: 'p', inlines: [{ kind: 'strong', text: 'Inputs' }] },
      {
        kind: 'ul',
        items: [
          [{ kind: 'code', text: 'status' }, { kind: 'text', text: ' — the code' }],
          [{ kind: 'code', text: 'body' }, { kind: 'text', text: ' — any value,' }, { kind: 'text', text: ' continued' }],
        ],
      },
      { kind: 'ol', items: [[{ kind: 'text', text: 'one' }], [{ kind: 'text', text: 'two' }]] },
      { kind: 'h', level: 2, inlines: [{ kind: 'text', text: 'Example' }] },
      { kind: 'code', text: '{"a": 1}' },
    ]);
  });

  it('keeps markup as text', () => {
    expect(parseMarkdown('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'p', inlines: [{ kind: 'text', text: '<img src=x onerror=alert(1)>' }] }]);
  });
});
