// Wires the chat panel into the flow editor: a compact toolbar button shown while the flow
// has a chat trigger, the panel's store bound to the API client, the draft's saver and the
// live socket's events of this flow.

import { useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { ApiClient } from '../api/client';
import type { LiveSocket } from '../api/live';
import type { Refusal } from '../editor/refusal';
import type { ServerProblem } from '../model/validate';
import type { EditorStore } from '../store/editor';
import { useFocusBack } from '../ui/focusBack';
import { ChatPanel } from './ChatPanel';
import { findChatTrigger, type KeyValueStore } from './chat';
import { createChatStore } from './store';

export interface FlowChatProps {
  api: ApiClient;
  live: Pick<LiveSocket, 'subscribe' | 'status'>;
  project: string;
  flow: string;
  store: EditorStore;
  /** Saves the draft before a message runs the flow. */
  flush(): Promise<void>;
  /** The signed-in person's e-mail (the chat's user). */
  user: string;
  /** Told each run a message starts (the editor shows it on the canvas). */
  onRun?(runId: string): void;
  /** Told a message's run was refused as invalid: marks the problems on the canvas (editor/refusal.ts). */
  onRefused?(problems: ServerProblem[]): Refusal;
  storage?: KeyValueStore;
}

const memory = (): KeyValueStore => {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v) };
};

/** The chat button (only with a chat trigger) and the panel it opens. */
export function useFlowChat(p: FlowChatProps): { button: React.ReactNode; panel: React.ReactNode } {
  const hasTrigger = useStore(p.store, (s) => findChatTrigger(s.doc) !== undefined);
  const [open, setOpen] = useState(false);
  const props = useRef(p);
  props.current = p;
  const chat = useMemo(
    () =>
      createChatStore({
        api: p.api,
        project: p.project,
        flow: p.flow,
        doc: () => props.current.store.getState().doc,
        flush: () => props.current.flush(),
        user: () => props.current.user,
        storage: p.storage ?? (typeof localStorage !== 'undefined' ? localStorage : memory()),
        liveOpen: () => props.current.live.status === 'open',
        onRun: (runId) => props.current.onRun?.(runId),
        ...(p.onRefused ? { onRefused: (problems: ServerProblem[]) => props.current.onRefused!(problems) } : {}),
      }),
    // one conversation per open flow
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [p.api, p.project, p.flow],
  );
  useEffect(() => p.live.subscribe(p.project, p.flow, (e) => chat.apply(e)), [p.live, p.project, p.flow, chat]);

  const shown = open && hasTrigger;
  // closed from inside (Escape, ✕): the focus goes back to the Chat button
  const buttonRef = useRef<HTMLButtonElement>(null);
  useFocusBack(shown, () => buttonRef.current);
  const button = hasTrigger ? (
    <button
      type="button"
      className={`ps-icon-button${shown ? ' on' : ''}`}
      aria-label="Chat"
      aria-pressed={shown}
      ref={buttonRef}
      title="Chat with this flow (its chat trigger)"
      onClick={() => setOpen((o) => !o)}
    >
      {'\u2709\uFE0E'}
    </button>
  ) : null;
  const panel = shown ? <ChatPanel chat={chat} onClose={() => setOpen(false)} /> : null;
  return { button, panel };
}
