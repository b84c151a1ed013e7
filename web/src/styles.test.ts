// The stylesheets' button variants: a variant that colours a button (its own background)
// has its own hover rule, as specific as the plain `.ps-button:hover:not(:disabled)`, which
// would otherwise put its grey under the variant's white text.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const sheets = ['styles.css', 'manage/manage.css', 'publish/publish.css', 'chat/chat.css', 'runs/runs.css'].map((f) => [f, readFileSync(new URL(`./${f}`, import.meta.url), 'utf8')] as const);

/** The rules of a sheet: selector → declarations (comments dropped, no nesting). */
function rules(css: string): [string, Record<string, string>][] {
  const out: [string, Record<string, string>][] = [];
  const body = css.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const m of body.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const decls: Record<string, string> = {};
    for (const d of m[2]!.split(';')) {
      const i = d.indexOf(':');
      if (i > 0) decls[d.slice(0, i).trim()] = d.slice(i + 1).trim();
    }
    for (const sel of m[1]!.split(',')) out.push([sel.trim(), decls]);
  }
  return out;
}

describe('button variants', () => {
  const all = sheets.flatMap(([, css]) => rules(css));
  const coloured = all.filter(([sel, d]) => /^\.ps-button\.[\w-]+$/.test(sel) && d.background && d.color === 'white').map(([sel]) => sel);

  it('finds the coloured variants', () => expect(coloured).toEqual(expect.arrayContaining(['.ps-button.ps-primary', '.ps-button.ps-m-danger-solid'])));

  it.each(['.ps-button.ps-primary', '.ps-button.ps-m-danger-solid', '.ps-button.ps-danger'])('%s keeps its colours on hover', (variant) => {
    const hover = all.find(([sel]) => sel === `${variant}:hover:not(:disabled)`);
    expect(hover, `${variant}:hover:not(:disabled)`).toBeDefined();
    const d = hover![1];
    expect(d.background).toBeDefined();
    expect(d.background).not.toBe('var(--panel-2)');
    const base = all.find(([sel]) => sel === variant)![1];
    if (base.color) expect(d.color).toBe(base.color);
  });
});

describe('the minimap', () => {
  it('lets pointer events through to the canvas under it', () => {
    const all = sheets.flatMap(([, css]) => rules(css));
    expect(all.find(([sel]) => sel === '.react-flow__minimap.ps-minimap')?.[1]['pointer-events']).toBe('none');
  });
});

describe('flow tabs', () => {
  it('have a max width and cut a long name with an ellipsis on one line', () => {
    const all = sheets.flatMap(([, css]) => rules(css));
    const tab = all.find(([sel]) => sel === '.ps-tab')![1];
    expect(tab['max-width']).toMatch(/^\d+px$/);
    const name = all.find(([sel]) => sel === '.ps-tab .ps-tab-name')?.[1];
    expect(name).toMatchObject({ overflow: 'hidden', 'text-overflow': 'ellipsis', 'white-space': 'nowrap' });
  });
});

describe('long words', () => {
  it('wrap in the secrets and variables tables, version messages and the publish matrix instead of widening them', () => {
    const all = sheets.flatMap(([, css]) => rules(css));
    // a key may be 128 characters of one word: the table pushed its stages and actions out of view
    expect(all.find(([sel]) => sel === '.ps-m-table tbody .ps-mono')?.[1]['overflow-wrap']).toBe('anywhere');
    expect(all.find(([sel]) => sel === '.ps-version-msg')?.[1]['overflow-wrap']).toBe('anywhere');
    // a long flow name pushed the publish matrix's stages and their Publish buttons out of view
    expect(all.find(([sel]) => sel === '.ps-matrix tbody th')?.[1]).toMatchObject({ 'max-width': '320px', 'overflow-wrap': 'anywhere' });
  });

  it('cut a long node handle inside its node', () => {
    const all = sheets.flatMap(([, css]) => rules(css));
    // a 60-character handle ran past the node's right edge
    expect(all.find(([sel, d]) => sel === '.ps-node-handle' && d['text-overflow'])?.[1]).toMatchObject({ overflow: 'hidden', 'text-overflow': 'ellipsis', 'white-space': 'nowrap' });
  });
});

describe('one-line fields', () => {
  // at line-height normal Chromium clipped the underscore of DejaVu Sans Mono: "mock_route" read "mock route"
  it('have a line box tall enough for an underscore, at the same 28 px height, as weak as .ps-input', () => {
    const all = sheets.flatMap(([, css]) => rules(css));
    const d = all.find(([sel]) => sel === ':where(input).ps-input')?.[1];
    expect(d).toBeDefined();
    expect(parseInt(d!['line-height']!, 10)).toBeGreaterThanOrEqual(18);
    const base = all.find(([sel]) => sel === '.ps-input')![1];
    expect(base.padding).toBe('5px 8px');
    // 1 + 4 + 18 + 4 + 1: the height a field had with 5 px padding and a 16 px line
    expect(2 + parseInt(d!['padding-top']!, 10) + parseInt(d!['line-height']!, 10) + parseInt(d!['padding-bottom']!, 10)).toBe(28);
  });
});

describe('short windows', () => {
  // 1366 × 640 with the run panel, the history and a banner open left the canvas 36 px tall
  it('keep room for the canvas: the run panel and the history shrink (to a minimum) before the editor does', () => {
    const all = sheets.flatMap(([, css]) => rules(css));
    const main = all.filter(([sel]) => sel === '.ps-flow-editor-main').map(([, d]) => d);
    expect(main.some((d) => d.flex === '1' && /^min\(\d+px, \d+vh\)$/.test(d['min-height'] ?? ''))).toBe(true);
    for (const panel of ['.ps-run-panel', '.ps-run-history']) {
      const d = all.find(([sel]) => sel === panel)![1];
      expect(d.flex, panel).toMatch(/^0 1 \d+px$/);
      expect(d['min-height'], panel).toMatch(/^\d+px$/);
      expect(d.height, panel).toBeUndefined();
    }
  });
});

describe('narrow windows', () => {
  const all = sheets.flatMap(([, css]) => rules(css));
  const rule = (sel: string) => all.filter(([s]) => s === sel).map(([, d]) => d);

  it('scroll the 960 px editor sideways in its own box, not the page the panels are placed on', () => {
    expect(rule('.ps-editor')[0]?.['min-width']).toBe('960px');
    expect(rule('.ps-editor-scroll')[0]).toMatchObject({ height: '100%', 'overflow-x': 'auto' });
  });

  it('keep the publishing panel inside the window: at most its box, a sheet over the whole window on a phone', () => {
    expect(rule('.ps-pub-overlay')[0]?.['max-width']).toBe('100%');
    // the rule in the @media block (the parser flattens it)
    expect(rule('.ps-pub-panel.ps-pub-overlay')[0]).toMatchObject({ position: 'fixed', inset: '0', width: 'auto' });
    expect(sheets.find(([f]) => f === 'publish/publish.css')![1]).toMatch(/@media \(max-width: 640px\) \{\s*\.ps-pub-panel\.ps-pub-overlay/);
  });

  it('make the chat panel a sheet over the whole window on a phone, as the publishing panel', () => {
    expect(rule('.ps-chat-panel')[0]?.['max-width']).toBe('100%');
    expect(rule('.ps-chat-panel')[1]).toMatchObject({ position: 'fixed', inset: '0', width: 'auto' });
    expect(sheets.find(([f]) => f === 'chat/chat.css')![1]).toMatch(/@media \(max-width: 640px\) \{\s*\.ps-chat-panel \{/);
  });

  it('let the workspace and the signed-in name in the top bar give way with an ellipsis', () => {
    expect(rule('.ps-topbar > .ps-hint')[0]).toMatchObject({ 'min-width': '0', overflow: 'hidden', 'text-overflow': 'ellipsis', 'white-space': 'nowrap' });
  });
});
