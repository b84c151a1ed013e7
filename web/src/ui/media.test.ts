// The phone width (767 px and below) is defined once, as PHONE: the project panel's overlay
// (shell/sidePanel.ts) and the node palette's (editor/EditorScreen.tsx) both read it, and no
// script or stylesheet repeats the number (two copies had to be changed together).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PHONE } from './media';

const src = fileURLToPath(new URL('..', import.meta.url));
// the width as a query or a stylesheet writes it, 767 or 768 then px (prose such as "768 px" is
// not a definition; the pattern is built from parts and this file skipped, as it names it)
const width = new RegExp('76[78]' + 'px|' + '47\\.9\\d*' + 'em');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(tsx?|css)$/.test(e.name) ? [join(dir, e.name)] : []));
}

describe('the phone width', () => {
  it('is PHONE, and written nowhere else (scripts, stylesheets, tests)', () => {
    expect(PHONE).toBe('(max-width: 767px)');
    const here = files(src)
      .filter((f) => !f.endsWith(join('ui', 'media.ts')) && !f.endsWith(join('ui', 'media.test.ts')))
      .filter((f) => width.test(readFileSync(f, 'utf8')))
      .map((f) => f.slice(src.length));
    expect(here).toEqual([]);
  });

  it('is what the project panel and the palette read', () => {
    for (const f of ['shell/sidePanel.ts', 'editor/EditorScreen.tsx']) expect(readFileSync(join(src, f), 'utf8')).toMatch(/import \{[^}]*\bPHONE\b[^}]*\} from '\.\.\/ui\/media'/);
  });
});
