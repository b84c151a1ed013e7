// Code values (JSON, JavaScript, templates) are coloured from the theme: CodeMirror's default
// style is for a light background, so on the dark theme true, numbers and strings were dark blue,
// green and red on the dark panel.
import { tags } from '@lezer/highlight';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeHighlight } from './CodeEditor';

describe('code highlighting', () => {
  it('takes every colour from a --code-* variable that both themes define', () => {
    const rules = codeHighlight.module!.getRules();
    const colours = [...rules.matchAll(/color:\s*([^;}]+)/g)].map((m) => m[1]!.trim());
    expect(colours.length).toBeGreaterThan(5);
    expect(colours.every((c) => /^var\(--code-[a-z]+\)$/.test(c))).toBe(true);
    const css = readFileSync(new URL('../styles.css', import.meta.url), 'utf8');
    const [light, dark] = [css.slice(css.indexOf(':root {')), css.slice(css.indexOf(":root[data-theme='dark'] {"))].map((b) => b.slice(0, b.indexOf('}')));
    for (const v of new Set(colours.map((c) => c.slice(4, -1)))) {
      expect(light, v).toContain(`${v}:`);
      expect(dark, v).toContain(`${v}:`);
    }
  });

  it('styles the JSON tokens a value has: true, numbers, strings, property names', () => {
    for (const tag of [tags.bool, tags.number, tags.string, tags.propertyName, tags.null]) expect(codeHighlight.style([tag]), String(tag)).toBeTruthy();
  });
});
