// The keyboard shortcut sheet (`?`).

import { useEffect, useRef } from 'react';
import { displayKeys, gestures, shortcuts } from './shortcuts';

export function ShortcutSheet({ onClose, mac }: { onClose(): void; mac: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div className="ps-modal-backdrop" onClick={onClose}>
      <div
        className="ps-modal"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        tabIndex={-1}
        ref={ref}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === '?') {
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <header className="ps-modal-header">
          <h2>Keyboard shortcuts</h2>
          <button type="button" className="ps-icon-button" aria-label="Close" onClick={onClose}>
            ✕
          </button>
        </header>
        <table className="ps-shortcuts">
          <tbody>
            {shortcuts.map((s) => (
              <tr key={s.action}>
                <td>
                  {s.keys.map((k) => (
                    <kbd key={k}>{displayKeys(k, mac)}</kbd>
                  ))}
                </td>
                <td>{s.label}</td>
              </tr>
            ))}
            {gestures.map((g) => (
              <tr key={g.keys}>
                <td>
                  <kbd>{displayKeys(g.keys, mac).replace(/Mod/g, mac ? '⌘' : 'Ctrl')}</kbd>
                </td>
                <td>{g.label}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
