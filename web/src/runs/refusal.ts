// A run the API refused because the flow does not validate (422 flow-invalid, as publishing
// answers): "Not run: N problems in the flow", each problem listed, and marked on the canvas
// like a refused publish's (editor/refusal.ts: the lines, the marks and how long they stay).

import { useCallback, useState } from 'react';
import type { FlowInvalidError } from '../api/client';
import { problemCount, useRefusalMarks } from '../editor/refusal';
import type { Problem } from '../model/validate';
import type { EditorStore } from '../store/editor';
import type { DraftSaver } from '../store/saver';

/** What the editor says about a refused run. */
export interface RunRefusal {
  /** "Not run: 2 problems in the flow (marked on the canvas)." */
  text: string;
  /** Each problem: "add.a: required input …", "flow: …". */
  lines: string[];
}

/** The text of a run refused with n problems. */
export function runRefusalText(n: number, marked = true): string {
  return `Not run: ${problemCount(n)} in the flow${marked ? ' (marked on the canvas)' : ''}.`;
}

export interface RefusedRun {
  refusal: RunRefusal | null;
  /** The marked problems, for EditorScreen's serverProblems. */
  problems: Problem[] | undefined;
  /** Shows a 422 flow-invalid of a run start. */
  refuse(e: FlowInvalidError): void;
  /** Dismiss, or a new run: the refusal and its marks go. */
  clear(): void;
}

export function useRefusedRun(store: EditorStore, saver: DraftSaver): RefusedRun {
  const [refusal, setRefusal] = useState<RunRefusal | null>(null);
  const marks = useRefusalMarks(store, saver, () => setRefusal(null));
  const { mark, clear: unmark } = marks;

  const refuse = useCallback(
    (e: FlowInvalidError) => {
      const r = mark(e.problems);
      setRefusal({ text: runRefusalText(r.lines.length), lines: r.lines });
    },
    [mark],
  );
  const clear = useCallback(() => {
    setRefusal(null);
    unmark();
  }, [unmark]);

  return { refusal, problems: marks.problems, refuse, clear };
}
