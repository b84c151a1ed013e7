import { useRef } from 'react';
import { type FlowDocument, sameButPositions } from '../model/flow';

/** The document, except that a change of node positions only keeps the previous object. */
export function useStructuralDoc(doc: FlowDocument): FlowDocument {
  const last = useRef(doc);
  if (!sameButPositions(last.current, doc)) last.current = doc;
  return last.current;
}
