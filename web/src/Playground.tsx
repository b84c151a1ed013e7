// The playground: the editor on a flow kept in this browser, for building flows before the
// project screens exist and for trying the editor without a backend. Import and export
// exchange flow documents with `polysynergy run` and `polysynergy validate`.

import { useEffect, useMemo, useRef, useState } from 'react';
import { EditorScreen } from './editor/EditorScreen';
import type { CatalogIndex } from './model/catalog';
import { emptyDocument, type FlowDocument, parseDocument, toJSON } from './model/flow';
import { createEditorStore } from './store/editor';
import { useTheme } from './ui/theme';

const KEY = 'ps.playground.v1';

function loadLocal(): FlowDocument {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw) return parseDocument(JSON.parse(raw));
  } catch {
    /* a damaged copy: start empty */
  }
  return emptyDocument();
}

export function Playground({ catalog, catalogNote }: { catalog: CatalogIndex; catalogNote?: string }) {
  const store = useMemo(() => createEditorStore(catalog, loadLocal()), [catalog]);
  const [theme, setTheme] = useTheme();
  const [saved, setSaved] = useState(true);
  const file = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);

  // saved in this browser a moment after the last change (a subscription, so a drag does
  // not re-render the screen on every frame)
  useEffect(() => {
    let t: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.changes === prev.changes) return;
      setSaved(false);
      clearTimeout(t);
      t = setTimeout(() => {
        localStorage.setItem(KEY, JSON.stringify(toJSON(store.getState().doc)));
        setSaved(true);
      }, 400);
    });
    return () => {
      unsubscribe();
      clearTimeout(t);
    };
  }, [store]);

  const exportDoc = () => {
    const blob = new Blob([JSON.stringify(toJSON(store.getState().doc), null, 2) + '\n'], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'flow.json';
    a.click();
    URL.revokeObjectURL(a.href);
  };

  const importDoc = async (f: File) => {
    try {
      const d = parseDocument(JSON.parse(await f.text()));
      store.getState().load(d, { keepHistory: true });
      setError(null);
    } catch (e) {
      setError(`${f.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  return (
    <EditorScreen
      store={store}
      theme={theme}
      onTheme={setTheme}
      title={
        <>
          <span className="ps-brand">PolySynergy</span> <span className="ps-hint">Playground{catalogNote ? ` · ${catalogNote}` : ''}</span>
        </>
      }
      status={
        <span className={`ps-save-state ${error ? 'error' : saved ? 'saved' : 'unsaved'}`} role="status" title={error ?? undefined}>
          {error ? `⚠ ${error}` : saved ? 'Saved in this browser' : 'Saving…'}
        </span>
      }
      actions={
        <>
          <input ref={file} type="file" accept="application/json,.json" hidden onChange={(e) => e.target.files?.[0] && void importDoc(e.target.files[0])} />
          <button type="button" className="ps-button ps-small" onClick={() => file.current?.click()}>
            Import
          </button>
          <button type="button" className="ps-button ps-small" onClick={exportDoc}>
            Export
          </button>
          <button
            type="button"
            className="ps-button ps-small"
            onClick={() => {
              if (store.getState().doc.nodes.length && !confirm('Start a new flow? (Undo brings this one back.)')) return;
              store.getState().load(emptyDocument(), { keepHistory: true });
            }}
          >
            New
          </button>
        </>
      }
    />
  );
}
