// Node icons: the catalogue names Lucide-style icons; the editor draws a compact glyph for
// each, so the canvas needs no icon font or library.

// Only characters every system font carries (arrows, maths, geometric shapes, Latin).
const glyphs: Record<string, string> = {
  globe: '◍',
  play: '▶',
  clock: '◷',
  'flask-conical': '△',
  send: '➤',
  'corner-up-right': '↱',
  'shield-check': '✔',
  'circle-x': '✖',
  search: '◎',
  'scroll-text': '☰',
  'user-check': '☑',
  'git-merge': '⋈',
  'git-branch': '⋔',
  'git-pull-request': '⇶',
  octagon: '■',
  'skip-forward': '»',
  hash: '#',
  'log-out': '⇥',
  repeat: '↻',
  'rotate-ccw': '↺',
  'corner-down-left': '↵',
  shuffle: '⤨',
  list: '☷',
  'list-checks': '☑',
  crosshair: '⊕',
  equal: '=',
  key: '⚷',
  'key-round': '⚷',
  sliders: '≚',
  code: '⟨⟩',
  type: 'T',
  'toggle-left': '◐',
  braces: '{}',
  settings: '⚙',
  database: '▤',
  'database-search': '▤',
  'database-zap': '▤',
};

/** A glyph for the icon name, or the first letter of the fallback. */
export function iconGlyph(icon: string | undefined, fallback: string): string {
  return (icon && glyphs[icon]) || fallback.slice(0, 1).toUpperCase() || '•';
}

/** A stable colour per category, for headers and the minimap. */
export function categoryColor(category: string): string {
  let h = 0;
  for (const c of category) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${h} 55% 50%)`;
}
