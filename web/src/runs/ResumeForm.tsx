// Continuing a paused run: the paused node, what it asks (an approval's message and data, an
// agent's tool call), its answer as JSON (starting from what that kind of pause expects), and Resume.

import { lazy, Suspense, useState } from 'react';
import type { RunState } from '../store/run';
import { defaultResumeInput, pauseAsk, pausedNodes, resumeBody } from './resume';
import './runs.css';

const CodeEditor = lazy(() => import('../inspector/CodeEditor'));

export interface ResumeFormProps {
  run: RunState;
  nameOf(id: string): string;
  onResume(body: { node: string; input?: unknown }): Promise<void>;
}

export function ResumeForm({ run, nameOf, onResume }: ResumeFormProps) {
  const paused = pausedNodes(run);
  const [node, setNode] = useState(paused[0] ?? '');
  // null until edited: the paused node's default answer
  const [edited, setText] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const target = paused.includes(node) ? node : (paused[0] ?? '');
  const ask = target ? pauseAsk(run, target) : null;
  const text = edited ?? defaultResumeInput(ask);

  const submit = async () => {
    const r = resumeBody(target, text);
    if (!r.body) return setProblem(r.problem ?? 'cannot resume');
    setProblem(null);
    setBusy(true);
    try {
      await onResume(r.body);
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="ps-resume" role="group" aria-label="Resume the paused run">
      <div className="ps-row">
        <strong>Paused</strong>
        {paused.length > 1 ? (
          <select className="ps-input ps-small-input" aria-label="Paused node" value={target} onChange={(e) => setNode(e.target.value)}>
            {paused.map((id) => (
              <option key={id} value={id}>
                {nameOf(id)}
              </option>
            ))}
          </select>
        ) : (
          <span className="ps-mono">{target ? nameOf(target) : 'waiting for the paused node…'}</span>
        )}
        <span className="ps-hint">answers with the input below and continues the run</span>
      </div>
      {ask?.question ? (
        <p className="ps-resume-question" data-testid="pause-question">
          {ask.question}
        </p>
      ) : null}
      {ask?.data !== undefined ? (
        <pre className="ps-resume-data ps-mono" data-testid="pause-data" aria-label="Data shown with the question">
          {typeof ask.data === 'string' ? ask.data : JSON.stringify(ask.data, null, 2)}
        </pre>
      ) : null}
      <Suspense fallback={<textarea className="ps-input" aria-label="Resume input" value={text} onChange={(e) => setText(e.target.value)} />}>
        <CodeEditor value={text} onChange={setText} language="json" label="Resume input" minLines={3} />
      </Suspense>
      {problem ? (
        <p className="ps-field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <button type="button" className="ps-button ps-small ps-primary" disabled={busy || !target} onClick={() => void submit()}>
        {busy ? 'Resuming…' : 'Resume'}
      </button>
    </div>
  );
}
