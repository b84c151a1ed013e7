// @vitest-environment jsdom
// The panels' top follows the toolbar's bottom edge: measured into --ps-toolbar-bottom now and
// each time the toolbar changes size (it wraps to two rows between 641 and 959 px).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TOOLBAR_BOTTOM, trackToolbarBottom } from './belowToolbar';

const rect = (top: number, bottom: number) => ({ top, bottom, left: 0, right: 0, width: 0, height: bottom - top, x: 0, y: top, toJSON() {} }) as DOMRect;

afterEach(() => {
  document.body.innerHTML = '';
});

describe('trackToolbarBottom', () => {
  it('sets where the toolbar ends, and again when it wraps to another row', () => {
    const observed: Element[] = [];
    let changed: () => void = () => {};
    const saved = globalThis.ResizeObserver;
    globalThis.ResizeObserver = class {
      constructor(cb: () => void) {
        changed = cb;
      }
      observe(e: Element) {
        observed.push(e);
      }
      unobserve() {}
      disconnect() {
        observed.length = 0;
      }
    } as unknown as typeof ResizeObserver;
    try {
      const box = document.createElement('div');
      box.innerHTML = '<div class="scroll"><header class="ps-toolbar"></header></div><aside class="ps-pub-overlay"></aside>';
      document.body.append(box);
      const toolbar = box.querySelector('.ps-toolbar')!;
      let bottom = 145;
      box.getBoundingClientRect = () => rect(100, 800);
      toolbar.getBoundingClientRect = () => rect(100, bottom);
      const stop = trackToolbarBottom(box);
      expect(box.style.getPropertyValue(TOOLBAR_BOTTOM)).toBe('45px');
      expect(observed).toEqual([box, toolbar]);
      // wrapped into two rows
      bottom = 188.4;
      changed();
      expect(box.style.getPropertyValue(TOOLBAR_BOTTOM)).toBe('89px');
      stop();
      expect(observed).toEqual([]);
    } finally {
      globalThis.ResizeObserver = saved;
    }
  });

  it("keeps the stylesheet's one-row default where nothing is laid out", () => {
    const box = document.createElement('div');
    box.innerHTML = '<header class="ps-toolbar"></header>';
    document.body.append(box);
    trackToolbarBottom(box)();
    expect(box.style.getPropertyValue(TOOLBAR_BOTTOM)).toBe('');
  });
});

describe('the panels', () => {
  it.each([
    { file: 'publish/publish.css', selector: '.ps-pub-overlay' },
    { file: 'chat/chat.css', selector: '.ps-chat-panel' },
  ])('$file places $selector at the measured toolbar bottom', ({ file, selector }) => {
    const css = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const rule = new RegExp(`(^|\\})\\s*${selector.replace('.', '\\.')}\\s*\\{([^}]*)\\}`).exec(css);
    expect(rule).not.toBeNull();
    expect(rule![2]).toMatch(/top:\s*var\(--ps-toolbar-bottom, 45px\);/);
  });
});
