// A run the API refused because the flow does not validate (422 flow-invalid, as publishing
// answers): its problems are marked on the canvas like a refused publish's, and stay until
// dismissed, the next run, or until what they are about changes: a node's field (or the node,
// or its connections), and for problems of the flow as a whole, a successful save of a changed
// document.

import { useCallback, useEffect, useRef, useState } from 'react';
import type { FlowInvalidError } from '../api/client';
import type { FlowDocument } from '../model/flow';
import { type Problem, problemMark, problemsFromServer, validateDocument } from '../model/validate';
import type { EditorStore } from '../store/editor';
import type { DraftSaver } from '../store/saver';

/** What the editor says about a refused run. */
export interface RunRefusal {
  /** "Not run: 2 problems in the flow (marked on the canvas)." */
  text: string;
  /** Each problem: "add.a: required input …", "flow: …". */
  lines: string[];
}

/**
 * The server's problems of a refused run on doc: every one for the list, and those the
 * editor's own validation does not already show, to mark (as publishing does).
 */
export function refusedRun(doc: FlowDocument, catalog: Parameters<typeof validateDocument>[1], e: FlowInvalidError): { refusal: RunRefusal; marks: Problem[] } {
  const list = problemsFromServer(doc, e.problems);
  const local = new Set(validateDocument(doc, catalog).map((p) => `${p.node ?? ''}|${p.message}`));
  const n = list.length;
  return {
    refusal: {
      text: `Not run: ${n} problem${n === 1 ? '' : 's'} in the flow (marked on the canvas).`,
      lines: list.map((p) => {
        const node = p.node ? doc.nodes.find((x) => x.id === p.node) : undefined;
        return `${node ? `${node.handle}${p.port ? `.${p.port}` : ''}` : p.path || 'flow'}: ${p.message}`;
      }),
    },
    marks: list.filter((p) => !local.has(`${p.node ?? ''}|${p.message}`)),
  };
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
  const [problems, setProblems] = useState<Problem[] | undefined>(undefined);
  // the document the server's problems are about
  const problemsDoc = useRef<FlowDocument | null>(null);

  const refuse = useCallback(
    (e: FlowInvalidError) => {
      const { doc, catalog } = store.getState();
      const r = refusedRun(doc, catalog, e);
      problemsDoc.current = doc;
      setProblems(r.marks.length ? r.marks : undefined);
      setRefusal(r.refusal);
    },
    [store],
  );
  const clear = useCallback(() => {
    setRefusal(null);
    setProblems(undefined);
  }, []);

  useEffect(() => {
    if (!problems?.length) return;
    const now = store.getState().doc;
    // marked against the refused document: an edit made before this effect ran counts too
    const base = problemsDoc.current ?? now;
    const marks = problems.map((p) => problemMark(base, p));
    const keep = (d: FlowDocument, saved: boolean) => problems.filter((p, i) => (p.node ? problemMark(d, p) === marks[i] : !(saved && d !== base)));
    const update = (next: Problem[]) => {
      if (next.length === problems.length) return;
      setProblems(next.length ? next : undefined);
      // every marked problem is gone: so is the refusal listing them
      if (!next.length) setRefusal(null);
    };
    const offDoc = store.subscribe((st, prev) => {
      if (st.doc !== prev.doc) update(keep(st.doc, false));
    });
    const offSave = saver.state.subscribe((st, prev) => {
      if (st.state.kind === 'saved' && st.revision !== prev.revision) update(keep(store.getState().doc, true));
    });
    if (now !== base) update(keep(now, false));
    return () => {
      offDoc();
      offSave();
    };
  }, [problems, store, saver]);

  return { refusal, problems, refuse, clear };
}
