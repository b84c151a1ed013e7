// Run options of one flow: where to play from, a mock HTTP request for route flows, test
// input for other triggers, and whose secrets and variables a mock run borrows. They are
// remembered per flow in the browser, and turned into the body of POST …/runs.

import type { StartRunInput } from '../api/types';
import type { FlowDocument } from '../model/flow';

export interface KeyValue {
  key: string;
  value: string;
}

/** The test request a route flow's trigger receives (trigger data of an editor run). */
export interface MockRequest {
  method: string;
  path: string;
  headers: KeyValue[];
  query: KeyValue[];
  /** The body text; JSON when the content type says so. */
  body: string;
}

export interface RunOptions {
  /** Handle of the node to play from; '' plays from the flow's trigger. */
  start: string;
  /** The stage whose secrets and variables the mock run uses; '' for mock's own. */
  subStage: string;
  /** Send `request` as the trigger data (route flows). */
  useRequest: boolean;
  request: MockRequest;
  /** Test input (JSON text) for triggers other than routes; '' sends none. */
  input: string;
}

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** One problem of the options, named by field ("request.headers[1]", "input"…). */
export interface OptionProblem {
  field: string;
  message: string;
}

export function defaultRequest(path = '/'): MockRequest {
  return { method: 'GET', path, headers: [], query: [], body: '' };
}

/**
 * Defaults for a flow: route flows whose trigger is a real HTTP route need a request to run
 * in the editor (a mock route has its own inputs, so it gets none unless asked).
 */
export function defaultOptions(doc: FlowDocument, routePath?: string): RunOptions {
  const route = doc.nodes.some((n) => n.type === 'trigger.route');
  const mock = doc.nodes.some((n) => n.type === 'trigger.mock_route');
  return { start: '', subStage: '', useRequest: route && !mock, request: defaultRequest(routePath ?? '/'), input: '' };
}

/** Whether the flow's trigger takes an HTTP request. */
export function takesRequest(doc: FlowDocument, kind?: string): boolean {
  return kind === 'route' || doc.nodes.some((n) => n.type === 'trigger.route' || n.type === 'trigger.mock_route');
}

// RFC 9110 token characters
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isJsonType(headers: KeyValue[]): boolean {
  const ct = headers.find((h) => h.key.trim().toLowerCase() === 'content-type')?.value ?? '';
  return /^application\/([\w.-]+\+)?json\b/i.test(ct.trim());
}

/** The trigger data of a mock request, or the problems that keep it from being sent. */
export function requestInput(r: MockRequest): { value?: Record<string, unknown>; problems: OptionProblem[] } {
  const problems: OptionProblem[] = [];
  const method = r.method.trim().toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) problems.push({ field: 'request.method', message: `must be one of ${METHODS.join(', ')}` });
  const path = r.path.trim();
  if (!path.startsWith('/')) problems.push({ field: 'request.path', message: 'must start with /' });
  else if (/\s/.test(path)) problems.push({ field: 'request.path', message: 'must not contain spaces' });
  const headers: Record<string, string> = {};
  r.headers.forEach((h, i) => {
    const k = h.key.trim();
    if (!k && !h.value.trim()) return;
    if (!headerName.test(k)) {
      problems.push({ field: `request.headers[${i}]`, message: k ? `"${k}" is not a valid header name` : 'the header has a value but no name' });
      return;
    }
    const name = k.toLowerCase();
    headers[name] = headers[name] !== undefined ? `${headers[name]}, ${h.value}` : h.value;
  });
  const query: Record<string, string | string[]> = {};
  r.query.forEach((q, i) => {
    const k = q.key.trim();
    if (!k && !q.value.trim()) return;
    if (!k) {
      problems.push({ field: `request.query[${i}]`, message: 'the parameter has a value but no name' });
      return;
    }
    const prev = query[k];
    query[k] = prev === undefined ? q.value : Array.isArray(prev) ? [...prev, q.value] : [prev, q.value];
  });
  if (r.body.trim() && isJsonType(r.headers)) {
    try {
      JSON.parse(r.body);
    } catch (e) {
      problems.push({ field: 'request.body', message: `is not valid JSON (${e instanceof Error ? e.message : String(e)})` });
    }
  }
  if (problems.length) return { problems };
  const value: Record<string, unknown> = { method, path, headers, query };
  if (r.body !== '') value.body = r.body;
  return { value, problems };
}

/** The body of POST …/runs for these options, or the problems to fix first. */
export function startInput(o: RunOptions, opts: { takesRequest: boolean }): { input?: StartRunInput; problems: OptionProblem[] } {
  const input: StartRunInput = {};
  const problems: OptionProblem[] = [];
  if (o.start) input.start = o.start;
  if (o.subStage) input.sub_stage = o.subStage;
  if (opts.takesRequest && o.useRequest) {
    const r = requestInput(o.request);
    if (r.value) input.input = r.value;
    problems.push(...r.problems);
  } else if (!opts.takesRequest && o.input.trim()) {
    try {
      input.input = JSON.parse(o.input);
    } catch (e) {
      problems.push({ field: 'input', message: `is not valid JSON (${e instanceof Error ? e.message : String(e)})` });
    }
  }
  return problems.length ? { problems } : { input, problems };
}

const storageKey = (flow: string) => `ps.run-options.${flow}`;

function isKV(x: unknown): x is KeyValue {
  return !!x && typeof x === 'object' && typeof (x as KeyValue).key === 'string' && typeof (x as KeyValue).value === 'string';
}

/** The options remembered for a flow, or the fallback (a broken entry counts as none). */
export function loadOptions(storage: Pick<Storage, 'getItem'>, flow: string, fallback: RunOptions): RunOptions {
  let raw: unknown;
  try {
    raw = JSON.parse(storage.getItem(storageKey(flow)) ?? 'null');
  } catch {
    return fallback;
  }
  if (!raw || typeof raw !== 'object') return fallback;
  const o = raw as Partial<RunOptions>;
  const r = (o.request ?? {}) as Partial<MockRequest>;
  return {
    start: typeof o.start === 'string' ? o.start : fallback.start,
    subStage: typeof o.subStage === 'string' ? o.subStage : fallback.subStage,
    useRequest: typeof o.useRequest === 'boolean' ? o.useRequest : fallback.useRequest,
    input: typeof o.input === 'string' ? o.input : fallback.input,
    request: {
      method: typeof r.method === 'string' ? r.method : fallback.request.method,
      path: typeof r.path === 'string' ? r.path : fallback.request.path,
      headers: Array.isArray(r.headers) ? r.headers.filter(isKV) : fallback.request.headers,
      query: Array.isArray(r.query) ? r.query.filter(isKV) : fallback.request.query,
      body: typeof r.body === 'string' ? r.body : fallback.request.body,
    },
  };
}

/** Whether the user saved run options for the flow (else the defaults follow its document). */
export function hasSavedOptions(storage: Pick<Storage, 'getItem'>, flow: string): boolean {
  try {
    return storage.getItem(storageKey(flow)) !== null;
  } catch {
    return false;
  }
}

export function saveOptions(storage: Pick<Storage, 'setItem'>, flow: string, o: RunOptions): void {
  try {
    storage.setItem(storageKey(flow), JSON.stringify(o));
  } catch {
    /* storage full or refused: the options last for this page only */
  }
}
