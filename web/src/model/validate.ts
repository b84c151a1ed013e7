// Validation the editor runs as you edit, so problems show on nodes before saving. It follows
// Go's shared/flow validation (same paths and, where it can, the same wording); the server's
// answer stays the authority and its problems are shown the same way (problemsFromServer).

import type { CatalogIndex, PortSpec } from './catalog';
import type { FlowDocument } from './flow';
import { expressionRefs, expressionSyntaxProblem, findExpressions } from './expressions';
import { findInput, findOutput, isBackConnection } from './graph';
import { handleProblem } from './handles';
import { portsFit, splitPort } from './ports';

export interface Problem {
  /** JSON pointer into the document, e.g. /nodes/3/values/url. */
  path: string;
  message: string;
  /** Id of the node concerned. */
  node?: string;
  /** Port concerned on that node. */
  port?: string;
  /**
   * A warning (the server's `warnings`): valid but likely not meant. It never makes the flow
   * invalid, so it blocks nothing; it is shown apart from the problems, in its own style.
   */
  warning?: boolean;
}

// Go's expr.placeholderRE: a <secret:KEY> or <env:KEY> anywhere in a string
const placeholder = /<(secret|sec|env|environment):[A-Za-z0-9_.\-/]+>/;

/**
 * What flow validation (Go's literalTypeProblem) says of a literal value on a port, in its
 * words, so the server's check of the same value is recognised as the same problem: a number
 * port reads what Go's nodes.ToFloat reads (numbers, true/false, decimal strings with
 * underscores), a boolean port true/false in any case, a select one of its options.
 */
function literalProblem(p: PortSpec, v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  // an expression or a placeholder is checked when it runs (a templated port's only)
  if (p.templated && typeof v === 'string' && (v.includes('{{') || placeholder.test(v))) return null;
  switch (p.type) {
    case 'number':
    case 'integer': {
      const f = toFloat(v);
      if (f === null) return `input "${p.name}" takes a number, not ${describe(v)}`;
      if (p.type === 'integer' && !Number.isInteger(f)) return `input "${p.name}" takes a whole number, not ${f}`;
      return rangeProblem(p, f);
    }
    case 'boolean':
      if (typeof v === 'boolean') return null;
      if (typeof v === 'string') return ['true', 'false'].includes(v.toLowerCase()) ? null : `input "${p.name}" takes true or false, not ${JSON.stringify(v.toLowerCase())}`;
      return `input "${p.name}" takes true or false, not ${describe(v)}`;
  }
  if (p.options?.length && !p.multi && typeof v === 'string' && !p.options.includes(v)) return `input "${p.name}" must be one of ${p.options.join(', ')}, not ${JSON.stringify(v)}`;
  return null;
}

/** Go's nodes.ToFloat: a finite number, true (1) or false (0), or a string strconv.ParseFloat reads. */
export function toFloat(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  // decimal, with _ between digits; not 0x10, Infinity or NaN, which JavaScript's Number reads
  if (!/^[+-]?(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([eE][+-]?\d(_?\d)*)?$/.test(s)) return null;
  const f = Number(s.replace(/_/g, ''));
  return Number.isFinite(f) ? f : null;
}

/** A number outside the port's declared bounds, worded as the server words it. */
function rangeProblem(p: PortSpec, f: number): string | null {
  const { min, max } = p;
  if ((min === undefined || f >= min) && (max === undefined || f <= max)) return null;
  if (min !== undefined && max !== undefined) return `input "${p.name}": must be between ${min} and ${max}, got ${f}`;
  if (min !== undefined) return `input "${p.name}": must be at least ${min}, got ${f}`;
  return `input "${p.name}": must be at most ${max}, got ${f}`;
}

/** Go's nodes.Describe: the value's type and its text, quoted, cut at 40 characters ("string \"abc\""). */
export function describe(v: unknown): string {
  const type = v === null ? 'null' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? 'number' : Array.isArray(v) ? 'list' : 'object';
  let text = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null ? '' : JSON.stringify(sortKeys(v));
  if (text.length > 40) text = `${text.slice(0, 37)}...`;
  return `${type} ${JSON.stringify(text)}`;
}

/** Objects with their keys sorted, as Go's encoding/json writes maps. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

function strings(v: unknown, f: (s: string, sub: string) => void, sub = ''): void {
  if (typeof v === 'string') f(v, sub);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, f, `${sub}/${i}`));
  else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => strings(x, f, `${sub}/${k}`));
}

const escape = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** Every problem the editor can see in a document, ordered by path. */
export function validateDocument(doc: FlowDocument, catalog: CatalogIndex): Problem[] {
  const probs: Problem[] = [];
  const add = (path: string, message: string, node?: string, port?: string) => probs.push({ path, message, node, port });
  const handles = new Map<string, string>();
  const ids = new Set<string>();
  doc.nodes.forEach((n, i) => {
    const path = `/nodes/${i}`;
    if (!n.id) add(`${path}/id`, 'node id is empty');
    else if (ids.has(n.id)) add(`${path}/id`, `node id "${n.id}" is used by another node`, n.id);
    ids.add(n.id);
    const hp = handleProblem(n.handle, handles.keys());
    if (hp) add(`${path}/handle`, hp, n.id);
    else handles.set(n.handle, n.id);
    const t = catalog.get(n.type);
    if (!t) {
      add(`${path}/type`, `unknown node type "${n.type}"`, n.id);
      return;
    }
    if (n.version && n.version > t.version) {
      add(`${path}/version`, `node type ${n.type} has version ${t.version}; this document asks for ${n.version}`, n.id);
    }
    const s = n.settings ?? {};
    // worded as the server words them (an out-of-range one), so its check is not shown twice
    const range = (k: 'timeout_ms' | 'retries' | 'backoff_ms' | 'concurrency', max: number) => {
      const v = s[k];
      if (v === undefined) return;
      if (!Number.isInteger(v)) add(`${path}/settings/${k}`, `${k} must be a whole number`, n.id);
      else if (v < 0 || v > max) add(`${path}/settings/${k}`, `${k} must be between 0 and ${max}`, n.id);
    };
    range('timeout_ms', 900000);
    range('retries', 10);
    range('backoff_ms', 60000);
    range('concurrency', 64);
  });
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const sources = new Map<string, number>();
  const seen = new Set<string>();
  const connectedInputs = new Set<string>();
  doc.connections.forEach((c, i) => {
    const path = `/connections/${i}`;
    const from = byId.get(c.from.node);
    const to = byId.get(c.to.node);
    if (!from) add(`${path}/from/node`, `connection comes from node "${c.from.node}", which does not exist`, to?.id, c.to.port);
    if (!to) add(`${path}/to/node`, `connection goes to node "${c.to.node}", which does not exist`, from?.id);
    if (!from || !to) return;
    const ft = catalog.get(from.type);
    const tt = catalog.get(to.type);
    if (!ft || !tt) return;
    const key = `${from.id}/${c.from.port}>${to.id}/${c.to.port}`;
    if (seen.has(key)) {
      add(path, 'the same connection is made twice', to.id, c.to.port);
      return;
    }
    seen.add(key);
    const op = findOutput(from, ft, c.from.port);
    const ip = findInput(to, tt, c.to.port);
    if (!op) add(`${path}/from/port`, `node "${from.handle}" (${ft.id}) has no output port "${c.from.port}"`, from.id, c.from.port);
    if (!ip) add(`${path}/to/port`, `node "${to.handle}" (${tt.id}) has no input port "${c.to.port}"`, to.id, c.to.port);
    if (!op || !ip) return;
    if (!portsFit({ type: String(op.spec.type), sub: op.sub !== undefined }, { type: String(ip.spec.type), multi: ip.spec.multi, sub: ip.sub !== undefined })) {
      add(path, `output ${from.handle}.${c.from.port} (${op.spec.type}) cannot feed input ${to.handle}.${c.to.port} (${ip.spec.type})`, to.id, c.to.port);
      return;
    }
    if (from.id === to.id) {
      add(path, `node "${to.handle}" is connected to itself`, to.id, c.to.port);
      return;
    }
    const tg = `${to.id}\u0000${c.to.port}`;
    const prev = sources.get(tg);
    if (prev !== undefined && !ip.spec.multi) {
      add(`${path}/to`, `input ${to.handle}.${c.to.port} already has a source (connection ${prev}); it takes one`, to.id, c.to.port);
      return;
    }
    sources.set(tg, i);
    connectedInputs.add(`${to.id}\u0000${splitPort(c.to.port).port}`);
  });
  // values, expressions and required inputs
  doc.nodes.forEach((n, i) => {
    const t = catalog.get(n.type);
    if (!t) return;
    const path = `/nodes/${i}/values`;
    for (const [k, v] of Object.entries(n.values ?? {})) {
      const p = t.inputs.find((x) => x.name === k);
      if (!p) {
        add(`${path}/${escape(k)}`, `node type ${t.id} has no input "${k}"`, n.id, k);
        continue;
      }
      if (v === null || v === undefined) continue;
      const lp = literalProblem(p, v);
      if (lp) {
        add(`${path}/${escape(k)}`, lp, n.id, k);
        continue;
      }
      if (!p.templated) continue;
      strings(v, (s, sub) => {
        for (const e of findExpressions(s)) {
          const bad = expressionSyntaxProblem(s, e);
          if (bad) {
            add(`${path}/${escape(k)}${sub}`, bad, n.id, k);
            continue;
          }
          for (const r of expressionRefs(e.body)) {
            if (r.name === 'trigger' || r.name === 'run' || r.name === 'env' || r.name === 'each') continue;
            if (!handles.has(r.name)) add(`${path}/${escape(k)}${sub}`, `expression {{ … }} refers to "${r.name}", which is not a node handle (nor trigger, run or env)`, n.id, k);
          }
        }
      });
    }
    for (const p of t.inputs) {
      if (!p.required || p.default !== undefined && p.default !== null) continue;
      if (connectedInputs.has(`${n.id}\u0000${p.name}`)) continue;
      const v = n.values?.[p.name];
      if (v !== undefined && v !== null && v !== '') continue;
      add(`${path}/${escape(p.name)}`, `required input "${p.name}" of "${n.handle}" has neither a value nor a connection`, n.id, p.name);
    }
  });
  // a second trigger of a type runs enter by (the catalogue's one_per_flow): Go's
  // triggersOfOneKind, in its words; disabled ones count, as the run counts them
  const firstOfType = new Map<string, string>();
  doc.nodes.forEach((n, i) => {
    const t = catalog.get(n.type);
    if (!t?.trigger || !t.one_per_flow) return;
    const first = firstOfType.get(t.id);
    if (first === undefined) {
      firstOfType.set(t.id, n.handle);
      return;
    }
    add(
      `/nodes/${i}`,
      `${JSON.stringify(n.handle)} is a second ${t.name} (${t.id}) in the flow, besides ${JSON.stringify(first)}: a run enters at the flow's one ${t.name} node, so it could not tell which to start from; keep one`,
      n.id,
    );
  });
  cycles(doc, catalog, byId, add);
  return probs.sort((a, b) => comparePaths(a.path, b.path));
}

function cycles(
  doc: FlowDocument,
  catalog: CatalogIndex,
  byId: Map<string, FlowDocument['nodes'][number]>,
  add: (path: string, message: string, node?: string, port?: string) => void,
): void {
  const out = new Map<string, { to: string; index: number }[]>();
  doc.connections.forEach((c, index) => {
    if (!byId.has(c.from.node) || !byId.has(c.to.node)) return;
    // a node connected to itself is reported as that, not as a cycle too
    if (c.from.node === c.to.node) return;
    if (isBackConnection(doc, catalog, c, byId)) return;
    const list = out.get(c.from.node) ?? [];
    list.push({ to: c.to.node, index });
    out.set(c.from.node, list);
  });
  const color = new Map<string, number>();
  const stack: string[] = [];
  const visit = (n: string) => {
    color.set(n, 1);
    stack.push(n);
    for (const e of out.get(n) ?? []) {
      const c = color.get(e.to) ?? 0;
      if (c === 0) visit(e.to);
      else if (c === 1) {
        const start = stack.lastIndexOf(e.to);
        const names = [...stack.slice(start), e.to].map((id) => byId.get(id)?.handle ?? id);
        add(`/connections/${e.index}`, `connection closes a cycle ${names.join(' → ')}; repeat work with a for-each or a jump/to pair instead`, e.to, doc.connections[e.index]?.to.port);
      }
    }
    stack.pop();
    color.set(n, 2);
  };
  for (const n of doc.nodes) if (!color.get(n.id)) visit(n.id);
}

/** Orders JSON pointers with numeric segments numerically, as Go does. */
export function comparePaths(a: string, b: string): number {
  const as = a.split('/');
  const bs = b.split('/');
  for (let i = 0; i < as.length && i < bs.length; i++) {
    if (as[i] === bs[i]) continue;
    const ai = /^\d+$/.test(as[i]!) ? Number(as[i]) : NaN;
    const bi = /^\d+$/.test(bs[i]!) ? Number(bs[i]) : NaN;
    if (!Number.isNaN(ai) && !Number.isNaN(bi)) return ai - bi;
    return as[i]! < bs[i]! ? -1 : 1;
  }
  return as.length - bs.length;
}

/** A problem as the API reports it (Go's flow.Problem): node and port name a handle. */
export interface ServerProblem {
  path: string;
  message: string;
  node?: string;
  port?: string;
}

/**
 * Maps the server's problems onto node ids, by the JSON pointer's node or connection index;
 * `warning` marks them as warnings (the answer's `warnings`).
 */
export function problemsFromServer(doc: FlowDocument, list: ServerProblem[], warning = false): Problem[] {
  return list.map((p) => {
    let node: string | undefined;
    let port = p.port;
    const mn = /^\/nodes\/(\d+)/.exec(p.path);
    const mc = /^\/connections\/(\d+)/.exec(p.path);
    if (mn) {
      node = doc.nodes[Number(mn[1])]?.id;
      // a problem at /nodes/N/values/<port> is about that input
      const mv = /^\/nodes\/\d+\/values\/([^/]+)/.exec(p.path);
      if (mv && port === undefined) port = mv[1]!.replace(/~1/g, '/').replace(/~0/g, '~');
    } else if (mc) {
      const c = doc.connections[Number(mc[1])];
      node = c?.to.node;
      port = port ?? c?.to.port;
    }
    if (!node && p.node) node = doc.nodes.find((n) => n.handle === p.node || n.id === p.node)?.id;
    return { path: p.path, message: p.message, node, port, ...(warning ? { warning: true } : {}) };
  });
}

/**
 * What a server problem of a node is about, as a string that changes when that changes: the
 * port's value and the connections into it, or (no port) the node without its position and
 * its connections. A removed node marks as ''.
 */
export function problemMark(d: FlowDocument, p: Problem): string {
  const n = d.nodes.find((x) => x.id === p.node);
  if (!n) return '';
  if (p.port !== undefined) {
    const into = d.connections.filter((c) => c.to.node === n.id && c.to.port === p.port).map((c) => `${c.from.node}.${c.from.port}`);
    return JSON.stringify([n.values?.[p.port] ?? null, into]);
  }
  const { position: _position, ...rest } = n;
  const touching = d.connections.filter((c) => c.to.node === n.id || c.from.node === n.id);
  return JSON.stringify([rest, touching]);
}
