// A text value with {{ }} expressions: typing `{{` closes it, the names of upstream nodes,
// their outputs, trigger, run and env complete as you type (↑ ↓ Enter/Tab, Esc), and each
// expression shows as a chip, red when it names something unknown.

import { type KeyboardEvent, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { bodySyntaxProblem, type CompletionContext, type CompletionResult, completeExpression, expressionRefs, findExpressions } from '../model/expressions';

export interface ExprInputProps {
  value: string;
  onChange(v: string): void;
  ctx: CompletionContext;
  placeholder?: string;
  multiline?: boolean;
  label?: string;
  id?: string;
  invalid?: boolean;
  /** Id of what describes the value's problems (aria-describedby). */
  describedBy?: string | undefined;
}

export function ExprInput({ value, onChange, ctx, placeholder, multiline, label, id, invalid, describedBy }: ExprInputProps) {
  const ref = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const [completion, setCompletion] = useState<CompletionResult | null>(null);
  const [active, setActive] = useState(0);
  const listId = useId();
  const pendingCaret = useRef<number | null>(null);

  // The caret goes where the change put it in the same commit that sets the new value (which
  // moves the browser's caret to the end). As a passive effect it could run after the next key
  // was already handled: typing fast after Enter took a completion put `.inp` after the `}}`,
  // outside the expression, so nothing completed (`{{ manual }}.inp`).
  useLayoutEffect(() => {
    if (pendingCaret.current !== null && ref.current) {
      ref.current.setSelectionRange(pendingCaret.current, pendingCaret.current);
      pendingCaret.current = null;
    }
  });

  const refresh = (text: string, cursor: number) => {
    const r = completeExpression(text, cursor, ctx);
    setCompletion(r);
    setActive(0);
  };

  const apply = (i: number) => {
    if (!completion) return;
    const o = completion.options[i];
    if (!o) return;
    const next = value.slice(0, completion.from) + o.apply + value.slice(completion.to);
    pendingCaret.current = completion.from + o.apply.length;
    onChange(next);
    setCompletion(null);
  };

  const onInput = (text: string, cursor: number) => {
    let t = text;
    let c = cursor;
    // typing "{{" closes the expression
    if (t.slice(c - 2, c) === '{{' && t.length > value.length && !t.slice(c).trimStart().startsWith('}}')) {
      t = `${t.slice(0, c)}  }}${t.slice(c)}`;
      c += 1;
      pendingCaret.current = c;
    }
    onChange(t);
    refresh(t, c);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (!completion) return;
    const n = completion.options.length;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => (a + 1) % n);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (a - 1 + n) % n);
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      e.preventDefault();
      apply(active);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setCompletion(null);
    }
  };

  const known = useMemo(() => new Set(['trigger', 'run', 'env', ...(ctx.inLoop ? ['each'] : []), ...ctx.nodes.map((n) => n.handle)]), [ctx]);
  const chips = useMemo(
    () =>
      findExpressions(value).map((e) => {
        const syntax = !e.closed ? 'not closed with }}' : !e.body.trim() ? 'empty' : (bodySyntaxProblem(e.body)?.reason ?? null);
        const unknown = syntax ? [] : expressionRefs(e.body).filter((r) => !known.has(r.name)).map((r) => r.name);
        return { text: e.closed ? e.body.trim() : `${e.body.trim()} …`, ok: !syntax && unknown.length === 0, why: syntax ?? (unknown.length ? `unknown: ${unknown.join(', ')}` : '') };
      }),
    [value, known],
  );

  const common = {
    ref,
    id,
    value,
    placeholder,
    'aria-label': label,
    'aria-invalid': invalid || undefined,
    'aria-describedby': describedBy,
    'aria-autocomplete': 'list' as const,
    'aria-expanded': !!completion,
    'aria-controls': completion ? listId : undefined,
    className: `ps-input ps-expr-input${invalid ? ' invalid' : ''}`,
    spellCheck: false,
    onChange: (e: React.ChangeEvent<HTMLTextAreaElement | HTMLInputElement>) => onInput(e.target.value, e.target.selectionStart ?? e.target.value.length),
    onKeyDown,
    onKeyUp: (e: KeyboardEvent<HTMLTextAreaElement | HTMLInputElement>) => {
      if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) refresh(value, e.currentTarget.selectionStart ?? 0);
    },
    onClick: (e: React.MouseEvent<HTMLTextAreaElement | HTMLInputElement>) => refresh(value, e.currentTarget.selectionStart ?? 0),
    // (later, so a click on an option lands first; not when the field has the focus again by
    // then: a completion shown since, for what was typed after coming back, stays)
    onBlur: () => setTimeout(() => document.activeElement !== ref.current && setCompletion(null), 150),
  };

  return (
    <div className="ps-expr">
      {multiline ? <textarea rows={Math.min(8, Math.max(2, value.split('\n').length))} {...common} /> : <input type="text" {...common} />}
      {completion ? (
        <ul className="ps-completions" role="listbox" id={listId}>
          {completion.options.slice(0, 30).map((o, i) => (
            <li
              key={`${o.kind}:${o.label}`}
              role="option"
              aria-selected={i === active}
              className={`ps-completion ps-completion-${o.kind}${i === active ? ' active' : ''}`}
              onMouseDown={(e) => {
                e.preventDefault();
                apply(i);
              }}
            >
              <span className="ps-completion-label">{o.label}</span>
              {o.detail ? <span className="ps-completion-detail">{o.detail}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {chips.length ? (
        <div className="ps-chips">
          {chips.map((c, i) => (
            <span key={i} className={`ps-chip ps-expr-chip${c.ok ? '' : ' bad'}`} title={c.why || 'expression'}>
              {c.text || '∅'}
            </span>
          ))}
        </div>
      ) : null}
    </div>
  );
}
