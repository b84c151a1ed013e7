// The keyboard shortcut sheet (`?`).

import { Fragment } from 'react';
import { Modal } from '../ui/Modal';
import { displayKeys, gestures, LOOK_ACTIONS, shortcuts } from './shortcuts';

/** readOnly: only what a viewer can do (select, copy, fit, zoom). */
export function ShortcutSheet({ onClose, mac, readOnly = false }: { onClose(): void; mac: boolean; readOnly?: boolean }) {
  // `?` closes the sheet it opened
  const onKey = (e: { key: string }) => {
    if (e.key !== '?') return false;
    onClose();
    return true;
  };
  return (
    <Modal label="Keyboard shortcuts" onClose={onClose} closeOnBackdrop onKey={onKey}>
      <header className="ps-modal-header">
        <h2>Keyboard shortcuts</h2>
        <button type="button" className="ps-icon-button" aria-label="Close" onClick={onClose}>
          ✕
        </button>
      </header>
      <table className="ps-shortcuts">
        <tbody>
          {shortcuts
            .filter((s) => !readOnly || LOOK_ACTIONS.has(s.action))
            .map((s) => (
            <tr key={s.action}>
              <td>
                {/* a screen reader read the keys run together ("Ctrl+Shift+ZCtrl+Y"): "or" between them */}
                {s.keys.map((k, i) => (
                  <Fragment key={k}>
                    {i ? <span className="ps-sr-only"> or </span> : null}
                    <kbd>{displayKeys(k, mac)}</kbd>
                  </Fragment>
                ))}
              </td>
              <td>{s.label}</td>
            </tr>
          ))}
          {gestures
            .filter((g) => (readOnly ? g.look : g.keys !== 'Mod+C'))
            .map((g) => (
            <tr key={g.keys}>
              <td>
                <kbd>{displayKeys(g.keys, mac).replace(/Mod/g, mac ? '⌘' : 'Ctrl')}</kbd>
              </td>
              <td>{g.label}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}
