// The chat panel's state and actions: sending a message starts an editor run from the chat
// trigger (after saving the draft, like the Run button), the run's live events build the
// assistant's answer, a confirmation resumes the paused run, and when the events tell no
// answer (or the socket is down) the stored run does.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { ApiError, FlowInvalidError, type ApiClient } from '../api/client';
import type { RunEvent } from '../api/live';
import { type Refusal, refusalLines } from '../editor/refusal';
import type { FlowDocument } from '../model/flow';
import type { ServerProblem } from '../model/validate';
import { runRefusalText } from '../runs/refusal';
import {
  applyChatEvent,
  applyRunDetail,
  chatRunInput,
  confirmationBody,
  findChatTrigger,
  loadSession,
  newSession,
  randomSessionId,
  type ChatMessage,
  type KeyValueStore,
} from './chat';

export interface ChatDeps {
  api: Pick<ApiClient, 'startRun' | 'getRun' | 'resumeRun'>;
  project: string;
  flow: string;
  /** The flow's document now (the trigger is looked up when sending). */
  doc(): FlowDocument;
  /** Saves the draft's unsaved changes first (the saver's flush). */
  flush(): Promise<void>;
  /** The signed-in person's e-mail, sent as the chat's user. */
  user(): string;
  storage: KeyValueStore;
  /** Whether live events arrive; without them the stored run is polled. */
  liveOpen?(): boolean;
  /** Told each run a message starts, so the canvas can show it as it goes. */
  onRun?(runId: string): void;
  /**
   * Told a message's run was refused because the flow does not validate (422 flow-invalid):
   * the editor marks the problems on the canvas, as for a refused Run or publish, and returns
   * what it read (the lines listed under the message).
   */
  onRefused?(problems: ServerProblem[]): Refusal;
  sleep?(ms: number): Promise<void>;
  newId?(): string;
}

export interface ChatState {
  session: string;
  messages: ChatMessage[];
  /** A message is being answered (the text box waits). */
  busy: boolean;
}

export interface ChatActions {
  send(text: string): Promise<void>;
  /** Feeds one live event of the flow. */
  apply(e: RunEvent): void;
  answer(runId: string, approve: boolean): Promise<void>;
  newConversation(): void;
}

export type ChatStore = StoreApi<ChatState> & ChatActions;

const terminal = (m: ChatMessage | undefined) => !m || m.status === 'done' || m.status === 'error';

function describe(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message || String(e);
  return String(e);
}

export function createChatStore(d: ChatDeps): ChatStore {
  const sleep = d.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const id = d.newId ?? randomSessionId;
  const store = createStore<ChatState>(() => ({ session: loadSession(d.storage, d.project, d.flow), messages: [], busy: false }));
  // events that came before the run's id was known
  let early: RunEvent[] = [];
  const seen = new Set<string>();

  const msgOf = (runId: string) => store.getState().messages.find((m) => m.role === 'assistant' && m.runId === runId);
  const patch = (msgId: string, p: Partial<ChatMessage>) =>
    store.setState((s) => ({ messages: s.messages.map((m) => (m.id === msgId ? { ...m, ...p } : m)) }));

  // final: the run ended without an answer, so a failed read is shown (a poll just tries again)
  const settle = async (runId: string, final = false) => {
    try {
      const detail = await d.api.getRun(d.project, d.flow, runId);
      store.setState((s) => ({ messages: applyRunDetail(s.messages, detail, d.doc()) }));
    } catch (e) {
      const m = msgOf(runId);
      if (final && m && !m.text) patch(m.id, { error: `Could not read the run's result: ${describe(e)}` });
    }
    if (terminal(msgOf(runId)) || msgOf(runId)?.status === 'paused') store.setState({ busy: false });
  };

  // the answer of a finished run that told no text on the way, or of a run whose events are missed
  const follow = async (runId: string) => {
    for (let i = 0; i < 60; i++) {
      const m = msgOf(runId);
      if (!m || m.status === 'paused') return;
      if (terminal(m)) return;
      await sleep(d.liveOpen?.() === false ? 1000 : 2000);
      // without events for a while, ask the stored run
      if (d.liveOpen?.() === false || (i >= 2 && !seen.has(runId))) await settle(runId);
    }
    // gave up following: the text box is free again; events arriving later still fill the answer
    store.setState({ busy: false });
  };

  const apply = (e: RunEvent) => {
    if (!msgOf(e.run_id)) {
      early.push(e);
      if (early.length > 500) early = early.slice(-500);
      return;
    }
    seen.add(e.run_id);
    const before = msgOf(e.run_id);
    store.setState((s) => ({ messages: applyChatEvent(s.messages, e, d.doc()) }));
    const after = msgOf(e.run_id);
    if (after && after !== before && (terminal(after) || after.status === 'paused')) store.setState({ busy: false });
    // finished without any answer in the events: the stored run tells it
    if (e.type === 'run_end' && after?.status === 'done' && !after.text) void settle(e.run_id, true);
  };

  const send = async (raw: string) => {
    const text = raw.trim();
    if (!text || store.getState().busy) return;
    const user: ChatMessage = { id: id(), role: 'user', text };
    const reply: ChatMessage = { id: id(), role: 'assistant', text: '', status: 'starting' };
    store.setState((s) => ({ busy: true, messages: [...s.messages, user, reply] }));
    const trigger = findChatTrigger(d.doc());
    if (!trigger) {
      patch(reply.id, { status: 'error', error: 'This flow has no chat trigger to send the message to.' });
      store.setState({ busy: false });
      return;
    }
    let runId: string;
    try {
      await d.flush();
      const r = await d.api.startRun(d.project, d.flow, chatRunInput(trigger, { message: text, session: store.getState().session, user: d.user() }));
      runId = r.run_id;
    } catch (e) {
      // refused as invalid: listed like the Run button's refusal, and marked on the canvas by the editor
      if (e instanceof FlowInvalidError) {
        const r = d.onRefused?.(e.problems);
        patch(reply.id, { status: 'error', error: runRefusalText(e.problems.length, r !== undefined), problems: r ? r.lines : refusalLines(d.doc(), e.problems) });
      } else patch(reply.id, { status: 'error', error: describe(e) });
      store.setState({ busy: false });
      return;
    }
    patch(reply.id, { runId, status: 'streaming' });
    d.onRun?.(runId);
    const mine = early.filter((e) => e.run_id === runId).sort((a, b) => a.seq - b.seq);
    early = early.filter((e) => e.run_id !== runId);
    for (const e of mine) apply(e);
    await follow(runId);
  };

  const answer = async (runId: string, approve: boolean) => {
    const m = msgOf(runId);
    const c = m?.confirmation;
    if (!m || !c || c.answered) return;
    try {
      await d.api.resumeRun(d.project, d.flow, runId, confirmationBody(c, approve));
    } catch (e) {
      patch(m.id, { error: `Could not ${approve ? 'approve' : 'reject'}: ${describe(e)}` });
      return;
    }
    const { error: _e, ...rest } = msgOf(runId)!;
    store.setState((s) => ({
      busy: true,
      messages: s.messages.map((x) => (x.id === m.id ? { ...rest, status: 'streaming', confirmation: { ...c, answered: approve ? 'approved' : 'rejected' } } : x)),
    }));
    await follow(runId);
  };

  const newConversation = () => {
    store.setState({ session: newSession(d.storage, d.project, d.flow), messages: [], busy: false });
  };

  return Object.assign(store, { send, apply, answer, newConversation });
}
