// CodeMirror 6 for code, JSON and template values. Loaded lazily (see editors.tsx), so the
// canvas opens without it. Templates complete {{ }} names like the text editor does.

import { autocompletion, closeBrackets, type CompletionContext as CMContext, type CompletionResult as CMResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, keymap, lineNumbers, MatchDecorator, placeholder as cmPlaceholder, ViewPlugin, type ViewUpdate } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';
import { useContext, useEffect, useRef } from 'react';
import { EditorContext } from '../editor/context';
import { type CompletionContext, completeExpression } from '../model/expressions';

export type CodeLanguage = 'json' | 'javascript' | 'template' | 'text';

export interface CodeEditorProps {
  value: string;
  onChange(v: string): void;
  language: CodeLanguage;
  ctx?: CompletionContext;
  label?: string;
  placeholder?: string;
  minLines?: number;
  /** Shows the value without letting it change; by default, whether the open flow is read-only. */
  readOnly?: boolean;
  /** The value has a problem (aria-invalid on the editable content). */
  invalid?: boolean;
  /** Id(s) of what says the value's problems (aria-describedby on the editable content). */
  describedBy?: string | undefined;
}

/**
 * Syntax colours from the theme's --code-* variables, so they read on the dark theme too
 * (CodeMirror's default style is for a light background: true in #219 on the dark panel).
 */
export const codeHighlight = HighlightStyle.define([
  { tag: t.keyword, color: 'var(--code-keyword)' },
  { tag: [t.atom, t.bool, t.null, t.url, t.labelName], color: 'var(--code-atom)' },
  { tag: [t.number, t.literal], color: 'var(--code-number)' },
  { tag: t.string, color: 'var(--code-string)' },
  { tag: [t.regexp, t.escape, t.special(t.string)], color: 'var(--code-regexp)' },
  { tag: t.propertyName, color: 'var(--code-property)' },
  { tag: [t.definition(t.variableName), t.function(t.variableName)], color: 'var(--code-definition)' },
  { tag: [t.typeName, t.className, t.namespace], color: 'var(--code-type)' },
  { tag: [t.comment, t.meta], color: 'var(--code-comment)' },
  { tag: t.invalid, color: 'var(--code-invalid)' },
]);

const exprMarks = new MatchDecorator({ regexp: /\{\{[^}]*\}\}/g, decoration: Decoration.mark({ class: 'ps-cm-expr' }) });
const exprHighlight = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = exprMarks.createDeco(view);
    }
    update(u: ViewUpdate) {
      this.decorations = exprMarks.updateDeco(u, this.decorations);
    }
  },
  { decorations: (v) => v.decorations },
);

function languageOf(l: CodeLanguage): Extension {
  if (l === 'json') return json();
  if (l === 'javascript') return javascript();
  return [];
}

const lockedWhen = (on: boolean): Extension => [EditorState.readOnly.of(on), EditorView.editable.of(!on)];

/** What a screen reader hears of the editable content: its name, and its problems when it has any. */
const contentAria = (label: string | undefined, invalid: boolean | undefined, describedBy: string | undefined): Extension =>
  EditorView.contentAttributes.of({
    'aria-label': label ?? 'code',
    ...(invalid ? { 'aria-invalid': 'true' } : {}),
    ...(describedBy ? { 'aria-describedby': describedBy } : {}),
  });

export default function CodeEditor({ value, onChange, language, ctx, label, placeholder, minLines = 4, readOnly, invalid, describedBy }: CodeEditorProps) {
  const envReadOnly = useContext(EditorContext)?.readOnly ?? false;
  const locked = readOnly ?? envReadOnly;
  const lock = useRef(new Compartment());
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  const ctxRef = useRef(ctx);
  onChangeRef.current = onChange;
  ctxRef.current = ctx;
  const lang = useRef(new Compartment());
  const aria = useRef(new Compartment());

  useEffect(() => {
    const source = (c: CMContext): CMResult | null => {
      const cx = ctxRef.current;
      if (!cx) return null;
      const text = c.state.doc.toString();
      const r = completeExpression(text, c.pos, cx);
      if (!r) return null;
      return { from: r.from, to: r.to, options: r.options.map((o) => ({ label: o.label, detail: o.detail, apply: o.apply, type: o.kind === 'function' ? 'function' : o.kind === 'node' ? 'variable' : 'property' })) };
    };
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          closeBrackets(),
          bracketMatching(),
          syntaxHighlighting(codeHighlight),
          keymap.of([indentWithTab, ...defaultKeymap, ...historyKeymap]),
          lang.current.of(languageOf(language)),
          lock.current.of(lockedWhen(locked)),
          autocompletion({ override: [source], activateOnTyping: true }),
          exprHighlight,
          EditorView.lineWrapping,
          aria.current.of(contentAria(label, invalid, describedBy)),
          ...(placeholder ? [cmPlaceholder(placeholder)] : []),
          EditorView.theme({ '.cm-content': { minHeight: `${minLines * 1.4}em` } }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChangeRef.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // created once; value and language are synced below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: lang.current.reconfigure(languageOf(language)) });
  }, [language]);

  useEffect(() => {
    view.current?.dispatch({ effects: lock.current.reconfigure(lockedWhen(locked)) });
  }, [locked]);

  useEffect(() => {
    view.current?.dispatch({ effects: aria.current.reconfigure(contentAria(label, invalid, describedBy)) });
  }, [label, invalid, describedBy]);

  return <div className="ps-code" ref={host} />;
}
