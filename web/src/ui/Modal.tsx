// A modal dialog. While it is open, keyboard focus stays inside it: focus moves in when it
// opens (to `initialFocus`, else its first control, else the dialog itself), Tab and
// Shift+Tab cycle through its controls, Escape closes it when it can be closed, and focus
// returns to where it was once it closes.

import { useEffect, useRef, type KeyboardEvent, type ReactNode, type RefObject } from 'react';

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[contenteditable="true"]',
  '[tabindex]:not([tabindex="-1"])',
].join(', ');

/** The elements of root that Tab can reach, in document order. */
export function focusableIn(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    // a control turned off by a disabled fieldset around it (a viewer's form) cannot take focus either
    (el) => !el.closest('[inert], [aria-hidden="true"]') && !(el instanceof HTMLInputElement && el.type === 'hidden') && !el.matches(':disabled'),
  );
}

export interface ModalProps {
  /** The dialog's accessible name, or the id of the element naming it. */
  label?: string;
  labelledBy?: string;
  className?: string;
  /** Called on Escape (and on a click outside with closeOnBackdrop); without it the dialog must be answered. */
  onClose?: () => void;
  closeOnBackdrop?: boolean;
  /** The element focused when the dialog opens. */
  initialFocus?: RefObject<HTMLElement | null>;
  /** Keys the dialog handles itself (after Escape and Tab); return true when handled. */
  onKey?: (e: KeyboardEvent<HTMLDivElement>) => boolean;
  children: ReactNode;
}

export function Modal({ label, labelledBy, className, onClose, closeOnBackdrop, initialFocus, onKey, children }: ModalProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement;
    const root = ref.current;
    if (root) (initialFocus?.current ?? focusableIn(root)[0] ?? root).focus();
    return () => {
      if (before instanceof HTMLElement && before.isConnected) before.focus();
    };
    // focus moves once, when the dialog opens
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.defaultPrevented) return; // a control inside used the key (a code editor's Tab, say)
    if (e.key === 'Escape' && onClose) {
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key === 'Tab' && ref.current) {
      const items = focusableIn(ref.current);
      e.preventDefault();
      if (items.length === 0) {
        ref.current.focus();
        return;
      }
      const at = items.indexOf(document.activeElement as HTMLElement);
      const next = e.shiftKey ? (at <= 0 ? items.length - 1 : at - 1) : at < 0 || at === items.length - 1 ? 0 : at + 1;
      items[next]?.focus();
      return;
    }
    if (onKey?.(e)) e.stopPropagation();
  };

  return (
    <div className="ps-modal-backdrop" onClick={closeOnBackdrop && onClose ? onClose : undefined}>
      <div
        className={className ? `ps-modal ${className}` : 'ps-modal'}
        role="dialog"
        aria-modal="true"
        aria-label={label}
        aria-labelledby={labelledBy}
        tabIndex={-1}
        ref={ref}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={onKeyDown}
      >
        {children}
      </div>
    </div>
  );
}
