// The keyboard shortcuts of the canvas: one table used by the key handler and the `?` sheet.

export type ShortcutAction =
  | 'undo'
  | 'redo'
  | 'delete'
  | 'duplicate'
  | 'selectAll'
  | 'clearSelection'
  | 'fitView'
  | 'autoLayout'
  | 'toggleGrid'
  | 'focusPalette'
  | 'group'
  | 'connect'
  | 'shortcuts';

export interface Shortcut {
  action: ShortcutAction;
  /** Shown in the sheet, e.g. "Ctrl+Z". "Mod" is Ctrl (⌘ on macOS). */
  keys: string[];
  label: string;
}

export const shortcuts: Shortcut[] = [
  { action: 'undo', keys: ['Mod+Z'], label: 'Undo' },
  { action: 'redo', keys: ['Mod+Shift+Z', 'Mod+Y'], label: 'Redo' },
  { action: 'delete', keys: ['Delete', 'Backspace'], label: 'Delete the selection' },
  { action: 'duplicate', keys: ['Mod+D'], label: 'Duplicate the selection' },
  { action: 'selectAll', keys: ['Mod+A'], label: 'Select everything' },
  { action: 'clearSelection', keys: ['Escape'], label: 'Clear the selection' },
  { action: 'fitView', keys: ['F'], label: 'Fit the flow in view' },
  { action: 'autoLayout', keys: ['Shift+L'], label: 'Auto-layout (the selection, or everything)' },
  { action: 'toggleGrid', keys: ['G'], label: 'Snap to grid on/off' },
  { action: 'focusPalette', keys: ['/', 'N'], label: 'Search the node palette' },
  { action: 'group', keys: ['Mod+G'], label: 'Group the selected nodes' },
  { action: 'connect', keys: ['C'], label: 'Connect an output of the focused or selected node: pick the output, then the input from a searchable list (↑ ↓, Enter; Escape cancels)' },
  { action: 'shortcuts', keys: ['?'], label: 'Show this sheet' },
];

/** The shortcuts that only look (select, fit, show the sheet): all a read-only editor answers. */
export const LOOK_ACTIONS: ReadonlySet<ShortcutAction> = new Set<ShortcutAction>(['selectAll', 'clearSelection', 'fitView', 'toggleGrid', 'shortcuts']);

/** Other gestures listed in the sheet; the canvas and the browser handle them. look: they
 * change nothing, so a read-only editor has them too. */
export const gestures: { keys: string; label: string; look?: boolean }[] = [
  { keys: 'Mod+C / Mod+X / Mod+V', label: 'Copy, cut and paste as JSON (also between flows and browser tabs)' },
  { keys: 'Mod+C', label: 'Copy the selection as JSON (paste it into a flow you can edit)', look: true },
  { keys: 'Shift+drag', label: 'Box select', look: true },
  { keys: 'Shift/Mod+click', label: 'Add to or remove from the selection', look: true },
  { keys: 'Drag a port', label: 'Connect; compatible ports light up' },
  { keys: 'Drag an edge end', label: 'Reconnect; drop on empty canvas to delete' },
  { keys: 'Scroll / pinch', label: 'Zoom; drag the background to pan', look: true },
  { keys: 'Tab, then arrows', label: 'Focus a node and move it with the keyboard' },
];

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

function matches(e: KeyLike, combo: string, mac: boolean): boolean {
  const parts = combo.split('+');
  const key = parts.pop()!;
  const mod = parts.includes('Mod');
  const shift = parts.includes('Shift');
  const modDown = mac ? e.metaKey : e.ctrlKey;
  if (mod !== modDown) return false;
  if (e.altKey) return false;
  // '?' and '/' come with whatever Shift the layout needs
  if (key === '?' || key === '/') return e.key === key;
  if (shift !== e.shiftKey) return false;
  return e.key.length === 1 ? e.key.toLowerCase() === key.toLowerCase() : e.key === key;
}

/** The action a key press means, if any. */
export function shortcutFor(e: KeyLike, mac = false): ShortcutAction | null {
  for (const s of shortcuts) for (const k of s.keys) if (matches(e, k, mac)) return s.action;
  return null;
}

/** Shows "Mod" as the platform's key. */
export function displayKeys(combo: string, mac: boolean): string {
  return combo.replace('Mod', mac ? '⌘' : 'Ctrl');
}
