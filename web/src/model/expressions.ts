// {{ … }} expressions inside values: finding them, the node handles they name, renaming a
// handle inside them, and the autocomplete the text and template editors offer.

import { expressionFunctions } from './handles';

/** One {{ … }} in a text; `end` is past the closing braces (or the text's end when unclosed). */
export interface ExpressionSpan {
  start: number;
  end: number;
  body: string;
  bodyStart: number;
  closed: boolean;
}

/** Finds every {{ … }} in a text, in order. */
export function findExpressions(text: string): ExpressionSpan[] {
  const out: ExpressionSpan[] = [];
  let i = 0;
  for (;;) {
    const open = text.indexOf('{{', i);
    if (open < 0) break;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) {
      out.push({ start: open, end: text.length, body: text.slice(open + 2), bodyStart: open + 2, closed: false });
      break;
    }
    out.push({ start: open, end: close + 2, body: text.slice(open + 2, close), bodyStart: open + 2, closed: true });
    i = close + 2;
  }
  return out;
}

const closerOf: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const openerOf: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
// an operator or keyword that needs something after it
const dangling = /(\|\||&&|==|!=|<=|>=|\?\?|\.\.|[+\-*/%^<>!|?:]|(?<![0-9])\.|(?<![\w.$])(?:and|or|not|in|matches|contains|startsWith|endsWith))$/;

/**
 * The first syntax problem a scan of an expression's body finds without parsing it: a string
 * literal or bracket that is not closed, a closing bracket without its opening one (or closing
 * another), an operator with nothing after it. `at` is the offset in the body. The server
 * parses for real (its validate and publish answers); this is what shows while typing.
 */
export function bodySyntaxProblem(body: string): { at: number; reason: string } | null {
  const open: { ch: string; at: number }[] = [];
  // the body with its comments blanked, for the check of its end
  let code = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '/' && (body[i + 1] === '/' || body[i + 1] === '*')) {
      const block = body[i + 1] === '*';
      const end = block ? body.indexOf('*/', i + 2) : body.indexOf('\n', i + 2);
      if (block && end < 0) return { at: i, reason: 'the comment started with /* is not closed with */' };
      const stop = end < 0 ? body.length : block ? end + 2 : end;
      code += ' '.repeat(stop - i);
      i = stop - 1;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      const start = i++;
      while (i < body.length && body[i] !== ch) i += ch !== '`' && body[i] === '\\' ? 2 : 1;
      if (i >= body.length) return { at: start, reason: `the text started with ${ch} is not closed with ${ch}` };
      code += body.slice(start, i + 1);
      continue;
    }
    code += ch;
    if (closerOf[ch]) open.push({ ch, at: i });
    else if (openerOf[ch]) {
      const top = open.pop();
      if (!top) return { at: i, reason: `${ch} has no ${openerOf[ch]} to close` };
      if (closerOf[top.ch] !== ch) return { at: i, reason: `${closerOf[top.ch]} is missing before ${ch} (to close ${top.ch})` };
    }
  }
  const last = open.pop();
  if (last) return { at: last.at, reason: `${last.ch} is not closed with ${closerOf[last.ch]}` };
  const m = dangling.exec(code.replace(/\s+$/, ''));
  if (m) return { at: m.index, reason: `${m[0]} at the end has nothing after it` };
  return null;
}

/** "expression at column N" (and the line, past the first) of an offset in a text, as Go says it. */
export function expressionAt(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return line > 1 ? `expression at line ${line}, column ${column}` : `expression at column ${column}`;
}

/**
 * What is wrong with one {{ … }} of a text as far as a quick check can tell, worded like the
 * server's validation ("expression at column 5: opening {{ has no closing }}"); null when
 * nothing is.
 */
export function expressionSyntaxProblem(text: string, e: ExpressionSpan): string | null {
  if (!e.closed) return `${expressionAt(text, e.start)}: opening {{ has no closing }}`;
  if (!e.body.trim()) return `${expressionAt(text, e.start)}: empty expression {{ }}`;
  const p = bodySyntaxProblem(e.body);
  return p ? `${expressionAt(text, e.bodyStart + p.at)}: ${p.reason}` : null;
}

interface Token {
  kind: 'ident' | 'string' | 'number' | 'punct';
  text: string;
  start: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    // comments (// to the line's end, /* … */) name nothing
    if (ch === '/' && (src[i + 1] === '/' || src[i + 1] === '*')) {
      const end = src[i + 1] === '*' ? src.indexOf('*/', i + 2) : src.indexOf('\n', i + 2);
      i = end < 0 ? src.length : src[i + 1] === '*' ? end + 2 : end;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      const start = i++;
      while (i < src.length && src[i] !== ch) i += src[i] === '\\' ? 2 : 1;
      i++;
      out.push({ kind: 'string', text: src.slice(start, Math.min(i, src.length)), start });
      continue;
    }
    if (/[A-Za-z_$]/.test(ch)) {
      const start = i;
      while (i < src.length && /[A-Za-z0-9_$]/.test(src[i]!)) i++;
      out.push({ kind: 'ident', text: src.slice(start, i), start });
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const start = i;
      // 0x1F, 0o17, 0b101 and 1_000 are numbers too, not a 0 and a name
      const digits = ch === '0' && /[xXoObB]/.test(src[i + 1] ?? '') ? /[0-9a-fA-F_xXoObB]/ : /[0-9._eE]/;
      while (i < src.length && (digits.test(src[i]!) || (src[i] === '_' && /[0-9]/.test(src[i + 1] ?? '')))) i++;
      out.push({ kind: 'number', text: src.slice(start, i), start });
      continue;
    }
    out.push({ kind: 'punct', text: ch, start: i });
    i++;
  }
  return out;
}

const keywords = new Set(['true', 'false', 'nil', 'in', 'not', 'and', 'or', 'let', 'matches', 'contains', 'startsWith', 'endsWith', 'if', 'else']);

/** A root name used in an expression body (`fetch` in `fetch.body.items`), with its offset. */
export interface Ref {
  name: string;
  start: number;
}

/**
 * The root names an expression reads: identifiers that are not a member (`.x`), a function
 * call, a keyword, a predicate's `#`, or a name bound by `let`.
 */
export function expressionRefs(body: string): Ref[] {
  const toks = tokenize(body);
  const bound = new Set<string>();
  const refs: Ref[] = [];
  toks.forEach((t, i) => {
    if (t.kind !== 'ident') return;
    const prev = toks[i - 1];
    const next = toks[i + 1];
    if (prev && prev.kind === 'punct' && (prev.text === '.' || prev.text === '#')) return;
    if (prev && prev.kind === 'punct' && prev.text === '?' && body[t.start - 1] === '.') return;
    if (prev && prev.kind === 'ident' && prev.text === 'let') {
      bound.add(t.text);
      return;
    }
    if (next && next.kind === 'punct' && next.text === '(') return;
    // a map literal's key: {name: …}
    if (next && next.kind === 'punct' && next.text === ':' && prev && prev.kind === 'punct' && (prev.text === '{' || prev.text === ',')) return;
    if (keywords.has(t.text) || bound.has(t.text)) return;
    refs.push({ name: t.text, start: t.start });
  });
  return refs;
}

/** Every root name read by the {{ }} expressions of a value, nested lists and objects included. */
export function valueRefs(value: unknown): Set<string> {
  const out = new Set<string>();
  walkStrings(value, (s) => {
    for (const e of findExpressions(s)) for (const r of expressionRefs(e.body)) out.add(r.name);
  });
  return out;
}

function walkStrings(value: unknown, f: (s: string) => void): void {
  if (typeof value === 'string') f(value);
  else if (Array.isArray(value)) value.forEach((v) => walkStrings(v, f));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => walkStrings(v, f));
}

/** Rewrites `old` to `next` where an expression in the text reads it as a root name. */
export function renameInText(text: string, old: string, next: string): string {
  const spans = findExpressions(text);
  if (!spans.length) return text;
  let out = '';
  let last = 0;
  for (const sp of spans) {
    const refs = expressionRefs(sp.body).filter((r) => r.name === old);
    for (const r of refs) {
      const at = sp.bodyStart + r.start;
      out += text.slice(last, at) + next;
      last = at + old.length;
    }
  }
  return out + text.slice(last);
}

/** renameInText over a whole value (strings inside lists and objects too). */
export function renameInValue(value: unknown, old: string, next: string): unknown {
  if (typeof value === 'string') return renameInText(value, old, next);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = renameInValue(v, old, next);
      if (r !== v) changed = true;
      return r;
    });
    return changed ? out : value;
  }
  if (value && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = renameInValue(v, old, next);
      if (out[k] !== v) changed = true;
    }
    return changed ? out : value;
  }
  return value;
}

/** What the completion offers for one upstream node. */
export interface CompletionNode {
  handle: string;
  type: string;
  name?: string;
  outputs: { name: string; type: string; doc?: string }[];
}

export interface CompletionContext {
  /** Nodes upstream of the node being edited. */
  nodes: CompletionNode[];
  /** The fields of the flow's trigger data. */
  trigger?: { name: string; type: string }[];
  /** Environment variable names of the stage. */
  env?: string[];
  /** Whether the node is inside a loop body (each.item / each.index). */
  inLoop?: boolean;
}

export type CompletionKind = 'node' | 'output' | 'root' | 'field' | 'function' | 'env';

export interface Completion {
  label: string;
  kind: CompletionKind;
  detail?: string;
  /** The text that replaces [from, to). */
  apply: string;
}

export interface CompletionResult {
  from: number;
  to: number;
  options: Completion[];
}

const runFields = [
  { name: 'id', type: 'string' },
  { name: 'flow', type: 'string' },
  { name: 'stage', type: 'string' },
  { name: 'version', type: 'integer' },
  { name: 'started', type: 'datetime' },
];

function rank(label: string, prefix: string): number {
  if (!prefix) return 1;
  const l = label.toLowerCase();
  const p = prefix.toLowerCase();
  if (label.startsWith(prefix)) return 3;
  if (l.startsWith(p)) return 2;
  if (l.includes(p)) return 1;
  return 0;
}

function filter(options: Completion[], prefix: string): Completion[] {
  return options
    .map((o, i) => ({ o, r: rank(o.label, prefix), i }))
    .filter((x) => x.r > 0)
    .sort((a, b) => b.r - a.r || a.i - b.i)
    .map((x) => x.o);
}

/**
 * Completes the name under the cursor when the cursor is inside a {{ … }}: node handles,
 * `trigger`, `run`, `env` and functions at the root; a node's outputs after `handle.`; the
 * trigger's fields, the run's fields and environment names after their roots. Returns null
 * outside expressions or where nothing is known (deeper paths, string literals).
 */
export function completeExpression(text: string, cursor: number, ctx: CompletionContext): CompletionResult | null {
  const open = text.lastIndexOf('{{', cursor - 2 < 0 ? 0 : cursor - 2);
  if (open < 0 || open + 2 > cursor) return null;
  const closeBetween = text.indexOf('}}', open + 2);
  if (closeBetween >= 0 && closeBetween < cursor) return null;
  const before = text.slice(open + 2, cursor);
  // inside a string literal? count unescaped quotes
  for (const q of ['"', "'", '`']) {
    const n = before.split('\\' + q).join('').split(q).length - 1;
    if (n % 2 === 1) return null;
  }
  const m = /(?:^|[^A-Za-z0-9_$.\])])((?:[A-Za-z_$][A-Za-z0-9_$]*\.)*)([A-Za-z_$][A-Za-z0-9_$]*)?$/.exec(before);
  if (!m) return null;
  const path = (m[1] ?? '').split('.').filter(Boolean);
  const prefix = m[2] ?? '';
  let end = cursor;
  while (end < text.length && /[A-Za-z0-9_$]/.test(text[end]!)) end++;
  const from = cursor - prefix.length;
  let options: Completion[] = [];
  if (path.length === 0) {
    options = [
      ...ctx.nodes.map((n): Completion => ({ label: n.handle, kind: 'node', detail: n.name ?? n.type, apply: n.handle })),
      { label: 'trigger', kind: 'root', detail: 'the trigger data', apply: 'trigger' },
      { label: 'run', kind: 'root', detail: 'id, flow, stage, version, started', apply: 'run' },
      { label: 'env', kind: 'root', detail: "the stage's environment variables", apply: 'env' },
      ...(ctx.inLoop ? [{ label: 'each', kind: 'root', detail: 'item and index of the loop', apply: 'each' } as Completion] : []),
      ...[...expressionFunctions].sort().map((f): Completion => ({ label: f, kind: 'function', detail: 'function', apply: `${f}(` })),
    ];
    // functions only once something is typed, so the list starts with what matters
    if (!prefix) options = options.filter((o) => o.kind !== 'function');
  } else if (path.length === 1) {
    const root = path[0]!;
    const node = ctx.nodes.find((n) => n.handle === root);
    if (node) {
      options = node.outputs.map((o) => ({ label: o.name, kind: 'output', detail: o.type, apply: o.name }));
    } else if (root === 'trigger') {
      options = (ctx.trigger ?? []).map((f) => ({ label: f.name, kind: 'field', detail: f.type, apply: f.name }));
    } else if (root === 'run') {
      options = runFields.map((f) => ({ label: f.name, kind: 'field', detail: f.type, apply: f.name }));
    } else if (root === 'env') {
      options = (ctx.env ?? []).map((k) => ({ label: k, kind: 'env', detail: 'environment variable', apply: k }));
    } else if (root === 'each' && ctx.inLoop) {
      options = [
        { label: 'item', kind: 'field', detail: 'the current element', apply: 'item' },
        { label: 'index', kind: 'field', detail: 'integer', apply: 'index' },
      ];
    }
  }
  options = filter(options, prefix);
  if (!options.length) return null;
  return { from, to: end, options };
}

/** Problems of the expressions in a text: syntax a quick check sees, and names that are not known roots. */
export function expressionProblems(text: string, known: Set<string>): string[] {
  const out: string[] = [];
  for (const e of findExpressions(text)) {
    const bad = expressionSyntaxProblem(text, e);
    if (bad) {
      out.push(bad);
      continue;
    }
    for (const r of expressionRefs(e.body)) {
      if (!known.has(r.name)) out.push(`expression {{ … }} refers to "${r.name}", which is not a node handle (nor trigger, run or env)`);
    }
  }
  return out;
}
