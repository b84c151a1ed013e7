// The chat side panel: the conversation with the flow's chat trigger, a text box (Enter
// sends, Shift+Enter starts a new line), the session id and "New conversation".

import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { ChatMessage } from './chat';
import type { ChatStore } from './store';
import './chat.css';
import { submitWith } from '../ui/forms';

function json(v: unknown): string {
  try {
    return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
}

function Assistant({ m, chat }: { m: ChatMessage; chat: ChatStore }) {
  const [busy, setBusy] = useState(false);
  const c = m.confirmation;
  const decide = async (approve: boolean) => {
    if (!m.runId) return;
    setBusy(true);
    try {
      await chat.answer(m.runId, approve);
    } finally {
      setBusy(false);
    }
  };
  const waiting = !m.text && (m.status === 'starting' || m.status === 'streaming');
  return (
    <li className="ps-chat-msg ps-chat-assistant" aria-label="Assistant" aria-busy={m.status === 'starting' || m.status === 'streaming'}>
      {m.tools?.length ? (
        <ul className="ps-chat-tools" aria-label="Tool calls">
          {m.tools.map((t, i) => (
            <li key={`${t.callId}-${i}`}>
              <details>
                <summary>
                  <span className="ps-mono">{t.tool}</span> <span className="ps-hint">{t.status === undefined ? 'calling…' : `${t.status}${t.durationMs !== undefined ? ` · ${Math.round(t.durationMs)} ms` : ''}`}</span>
                </summary>
                <pre>{t.arguments !== undefined ? json(t.arguments) : '(no arguments)'}</pre>
              </details>
            </li>
          ))}
        </ul>
      ) : null}
      {c ? (
        <div className="ps-chat-confirm" role="group" aria-label="Confirmation">
          <p>{c.question}</p>
          {c.arguments !== undefined && !c.question.includes(json(c.arguments)) ? <pre>{json(c.arguments)}</pre> : null}
          {c.answered ? (
            <p className="ps-hint">{c.answered === 'approved' ? 'Approved.' : 'Rejected.'}</p>
          ) : m.status === 'paused' ? (
            <div className="ps-row">
              <button type="button" className="ps-button ps-small ps-primary" disabled={busy} onClick={() => void decide(true)}>
                Approve
              </button>
              <button type="button" className="ps-button ps-small" disabled={busy} onClick={() => void decide(false)}>
                Reject
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
      {m.text ? <div className="ps-chat-text">{m.text}</div> : null}
      {waiting ? <div className="ps-hint">Thinking…</div> : null}
      {m.status === 'done' && !m.text ? <div className="ps-hint">The run finished without an answer.</div> : null}
      {m.error ? (
        <div className="ps-field-error ps-chat-error" role="alert">
          {m.error}
          {m.problems?.length ? (
            <ul className="ps-chat-problems" aria-label="Problems">
              {m.problems.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

export function ChatPanel({ chat, onClose }: { chat: ChatStore; onClose(): void }) {
  const messages = useStore(chat, (s) => s.messages);
  const session = useStore(chat, (s) => s.session);
  const busy = useStore(chat, (s) => s.busy);
  const [text, setText] = useState('');
  const list = useRef<HTMLOListElement>(null);
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const el = list.current;
    if (el && typeof el.scrollTo === 'function') el.scrollTo({ top: el.scrollHeight });
  }, [messages]);
  useEffect(() => box.current?.focus(), []);

  const submit = () => {
    if (!text.trim() || busy) return;
    const t = text;
    setText('');
    void chat.send(t);
  };

  return (
    <aside
      className="ps-chat-panel"
      aria-label="Chat"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="ps-chat-head">
        <strong>Chat</strong>
        <span className="ps-hint ps-chat-session" title={session}>
          session <span className="ps-mono" aria-label="Session id">{session}</span>
        </span>
        <button type="button" className="ps-button ps-small" onClick={() => chat.newConversation()} disabled={busy}>
          New conversation
        </button>
        <button type="button" className="ps-icon-button" aria-label="Close the chat panel" onClick={onClose}>
          ×
        </button>
      </div>
      {messages.length ? (
        <ol className="ps-chat-list" ref={list} aria-live="polite">
          {messages.map((m) =>
            m.role === 'user' ? (
              <li key={m.id} className="ps-chat-msg ps-chat-user" aria-label="You">
                <div className="ps-chat-text">{m.text}</div>
              </li>
            ) : (
              <Assistant key={m.id} m={m} chat={chat} />
            ),
          )}
        </ol>
      ) : (
        <div className="ps-chat-empty">
          <p>Talk to this flow: each message runs it from its chat trigger with the message, this conversation's session id and your e-mail as the user.</p>
          <p className="ps-hint">The draft is saved first. Answers stream in as the agent writes them; tool calls it makes and confirmations it asks for show here too.</p>
        </div>
      )}
      <form
        className="ps-chat-form"
        onSubmit={submitWith(submit)}
      >
        <textarea
          ref={box}
          className="ps-input"
          aria-label="Message"
          placeholder="Write a message — Enter sends, Shift+Enter for a new line"
          rows={3}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="submit" className="ps-button ps-primary" disabled={busy || !text.trim()}>
          {busy ? 'Answering…' : 'Send'}
        </button>
      </form>
    </aside>
  );
}
