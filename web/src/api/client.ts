// The REST client: one fetch wrapper with typed errors, and one method per endpoint of
// /api/v1. Every path lives in this module, so when the OpenAPI document changes, this is
// the only file to regenerate or adjust.
//
// Errors: problem+json answers become ApiError (with field errors); 401 becomes
// SessionExpiredError after telling the listeners (the editor keeps unsaved work and asks
// to sign in again); 409 becomes ConflictError with the server's current revision; 422 with
// flow problems becomes FlowInvalidError. Idempotent reads are retried on 502/503/504 and
// network failures, honouring Retry-After.

import { parseCatalog, type Catalog } from '../model/catalog';
import { parseDocument, toJSON, type FlowDocument } from '../model/flow';
import type { ServerProblem } from '../model/validate';
import type {
  ApiKey,
  Draft,
  EnvVar,
  Flow,
  FlowKind,
  ListParams,
  Me,
  Member,
  Page,
  Project,
  PublishCell,
  Role,
  Route,
  Run,
  RunDetail,
  RunStatus,
  SavedDraft,
  Schedule,
  SecretInfo,
  Stage,
  StartRunInput,
  Version,
} from './types';

/** One invalid field of a request, as the API names it (e.g. "name", "segments[1].type"). */
export interface FieldError {
  field: string;
  message: string;
  value?: unknown;
}

/** An RFC 9457 problem document with the extensions this API uses. */
export interface ProblemDocument {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** An error answer of the API (or no answer at all: status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly type: string;
  readonly fieldErrors: FieldError[];
  readonly problem: ProblemDocument | null;
  readonly requestId: string | null;
  readonly method: string;
  readonly path: string;

  constructor(init: {
    status: number;
    title: string;
    detail?: string;
    type?: string;
    fieldErrors?: FieldError[];
    problem?: ProblemDocument | null;
    requestId?: string | null;
    method: string;
    path: string;
  }) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title);
    this.name = 'ApiError';
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail ?? '';
    this.type = init.type ?? 'about:blank';
    this.fieldErrors = init.fieldErrors ?? [];
    this.problem = init.problem ?? null;
    this.requestId = init.requestId ?? null;
    this.method = init.method;
    this.path = init.path;
  }

  /** The message for one field, if the API named it. */
  fieldError(field: string): string | undefined {
    return this.fieldErrors.find((f) => f.field === field)?.message;
  }

  /** True when no answer came (offline, DNS, CORS, aborted). */
  get isNetwork(): boolean {
    return this.status === 0;
  }
}

/** 401: the session ended; sign in again and retry. Unsaved work is kept by the caller. */
export class SessionExpiredError extends ApiError {
  constructor(init: ConstructorParameters<typeof ApiError>[0]) {
    super(init);
    this.name = 'SessionExpiredError';
  }
}

/** 409: someone else changed the resource; currentRevision is theirs when the API says it. */
export class ConflictError extends ApiError {
  readonly currentRevision: number | null;
  constructor(init: ConstructorParameters<typeof ApiError>[0], currentRevision: number | null) {
    super(init);
    this.name = 'ConflictError';
    this.currentRevision = currentRevision;
  }
}

/** 422 with the flow's validation problems (publish, run). */
export class FlowInvalidError extends ApiError {
  readonly problems: ServerProblem[];
  constructor(init: ConstructorParameters<typeof ApiError>[0], problems: ServerProblem[]) {
    super(init);
    this.name = 'FlowInvalidError';
    this.problems = problems;
  }
}

function fieldErrorsOf(p: ProblemDocument): FieldError[] {
  const out: FieldError[] = [];
  const list = (Array.isArray(p.errors) ? p.errors : Array.isArray(p.invalid_params) ? p.invalid_params : []) as unknown[];
  for (const e of list) {
    if (!e || typeof e !== 'object') continue;
    const r = e as Record<string, unknown>;
    let field = [r.field, r.location, r.name, r.pointer, r.path].find((x) => typeof x === 'string') as string | undefined;
    const message = [r.message, r.reason, r.detail].find((x) => typeof x === 'string') as string | undefined;
    if (!message) continue;
    field = (field ?? '').replace(/^body\./, '').replace(/^\/+/, '').replace(/\//g, '.');
    out.push({ field, message, ...(r.value !== undefined ? { value: r.value } : {}) });
  }
  return out;
}

function problemsOf(p: ProblemDocument): ServerProblem[] {
  const list = p.problems;
  if (!Array.isArray(list)) return [];
  return list
    .filter((x): x is Record<string, unknown> => !!x && typeof x === 'object')
    .map((x) => ({
      path: typeof x.path === 'string' ? x.path : '',
      message: typeof x.message === 'string' ? x.message : String(x.message ?? ''),
      ...(typeof x.node === 'string' ? { node: x.node } : {}),
      ...(typeof x.port === 'string' ? { port: x.port } : {}),
    }));
}

const statusTitles: Record<number, string> = {
  400: 'Bad request',
  401: 'Session expired',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Too large',
  422: 'Invalid',
  429: 'Too many requests',
  500: 'Server error',
  502: 'Bad gateway',
  503: 'Unavailable',
  504: 'Timed out',
};

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface ApiClientOptions {
  /** The API root, e.g. "/api/v1" or "https://api.example.com/api/v1". */
  baseUrl: string;
  /** The bearer token for each request (null: anonymous). */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  fetch?: typeof fetch;
  /** Retries for idempotent reads on 502/503/504 and network failures (default 2). */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Extra headers on every request (e.g. the chosen tenant). */
  headers?: Record<string, string>;
}

const enc = encodeURIComponent;

/** Typed access to /api/v1. */
export class ApiClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly retries: number;
  private readonly expiredListeners = new Set<(e: SessionExpiredError) => void>();

  constructor(private readonly opts: ApiClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.retries = opts.retries ?? 2;
  }

  /** Calls f whenever a request answers 401; returns the unsubscribe function. */
  onSessionExpired(f: (e: SessionExpiredError) => void): () => void {
    this.expiredListeners.add(f);
    return () => this.expiredListeners.delete(f);
  }

  url(path: string, query?: Query): string {
    let u = this.base + path;
    if (query) {
      const q = Object.entries(query)
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => `${enc(k)}=${enc(String(v))}`)
        .join('&');
      if (q) u += `?${q}`;
    }
    return u;
  }

  /** Sends one request and decodes the JSON answer (undefined for 204). */
  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const idempotent = method === 'GET' || method === 'HEAD';
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...this.opts.headers, ...o.headers };
      const token = await this.opts.getToken?.();
      if (token) headers.Authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (o.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(o.body);
      }
      let res: Response;
      try {
        res = await this.fetchImpl(this.url(path, o.query), { method, headers, body, signal: o.signal });
      } catch (err) {
        if (o.signal?.aborted) throw err;
        if (idempotent && attempt < this.retries) {
          await this.sleep(this.backoff(attempt, null));
          continue;
        }
        throw new ApiError({ status: 0, title: 'No connection', detail: err instanceof Error ? err.message : String(err), method, path });
      }
      if (res.ok) {
        if (res.status === 204) return undefined as T;
        const text = await res.text();
        if (!text) return undefined as T;
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new ApiError({ status: res.status, title: 'Unreadable answer', detail: 'the API answered with something that is not JSON', method, path });
        }
      }
      if (idempotent && attempt < this.retries && (res.status === 502 || res.status === 503 || res.status === 504)) {
        await this.sleep(this.backoff(attempt, res.headers.get('Retry-After')));
        continue;
      }
      throw await this.errorFrom(res, method, path);
    }
  }

  private backoff(attempt: number, retryAfter: string | null): number {
    const s = retryAfter !== null ? Number(retryAfter) : NaN;
    if (Number.isFinite(s) && s >= 0) return Math.min(s * 1000, 5000);
    return 300 * 2 ** attempt;
  }

  private async errorFrom(res: Response, method: string, path: string): Promise<ApiError> {
    const text = await res.text().catch(() => '');
    let problem: ProblemDocument | null = null;
    if (text) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) problem = parsed as ProblemDocument;
      } catch {
        /* not JSON: keep the text as the detail */
      }
    }
    const title = (typeof problem?.title === 'string' && problem.title) || statusTitles[res.status] || res.statusText || `HTTP ${res.status}`;
    const detail = problem ? (typeof problem.detail === 'string' ? problem.detail : '') : text.slice(0, 300);
    const init = {
      status: res.status,
      title,
      detail,
      type: typeof problem?.type === 'string' ? problem.type : undefined,
      fieldErrors: problem ? fieldErrorsOf(problem) : [],
      problem,
      requestId: res.headers.get('X-Request-Id'),
      method,
      path,
    };
    if (res.status === 401) {
      const e = new SessionExpiredError(init);
      for (const f of this.expiredListeners) f(e);
      return e;
    }
    if (res.status === 409) {
      const cr = problem?.current_revision;
      return new ConflictError(init, typeof cr === 'number' ? cr : null);
    }
    if (res.status === 422 && problem && Array.isArray(problem.problems)) return new FlowInvalidError(init, problemsOf(problem));
    return new ApiError(init);
  }

  private get<T>(path: string, query?: Query, signal?: AbortSignal) {
    return this.request<T>('GET', path, { query, signal });
  }

  // ---- me, catalogue -------------------------------------------------------------------

  me(): Promise<Me> {
    return this.get('/me');
  }

  async catalog(): Promise<Catalog> {
    return parseCatalog(await this.get<unknown>('/nodes'));
  }

  // ---- projects ------------------------------------------------------------------------

  listProjects(p: ListParams = {}): Promise<Page<Project>> {
    return this.get('/projects', { ...p });
  }
  listTrashedProjects(p: ListParams = {}): Promise<Page<Project>> {
    return this.get('/projects', { ...p, trashed: true });
  }
  createProject(input: { name: string; slug?: string }): Promise<Project> {
    return this.request('POST', '/projects', { body: input });
  }
  getProject(project: string): Promise<Project> {
    return this.get(`/projects/${enc(project)}`);
  }
  updateProject(project: string, input: { name?: string; slug?: string }): Promise<Project> {
    return this.request('PATCH', `/projects/${enc(project)}`, { body: input });
  }
  trashProject(project: string): Promise<void> {
    return this.request('DELETE', `/projects/${enc(project)}`);
  }
  restoreProject(project: string): Promise<Project> {
    return this.request('POST', `/projects/${enc(project)}/restore`);
  }
  deleteProjectPermanently(project: string): Promise<void> {
    return this.request('DELETE', `/projects/${enc(project)}`, { query: { permanent: true } });
  }

  // ---- stages --------------------------------------------------------------------------

  listStages(project: string): Promise<Page<Stage>> {
    return this.get(`/projects/${enc(project)}/stages`);
  }
  createStage(project: string, input: { name: string; production?: boolean }): Promise<Stage> {
    return this.request('POST', `/projects/${enc(project)}/stages`, { body: input });
  }
  updateStage(project: string, stage: string, input: { name?: string; production?: boolean; position?: number }): Promise<Stage> {
    return this.request('PATCH', `/projects/${enc(project)}/stages/${enc(stage)}`, { body: input });
  }
  deleteStage(project: string, stage: string): Promise<void> {
    return this.request('DELETE', `/projects/${enc(project)}/stages/${enc(stage)}`);
  }

  // ---- flows and drafts ----------------------------------------------------------------

  listFlows(project: string, kind?: FlowKind, p: ListParams = {}): Promise<Page<Flow>> {
    return this.get(`/projects/${enc(project)}/flows`, { ...p, kind });
  }
  createFlow(project: string, input: { kind: FlowKind; name: string; blueprint?: string }): Promise<Flow> {
    return this.request('POST', `/projects/${enc(project)}/flows`, { body: input });
  }
  getFlow(project: string, flow: string): Promise<Flow> {
    return this.get(`/projects/${enc(project)}/flows/${enc(flow)}`);
  }
  updateFlow(project: string, flow: string, input: { name?: string; run_saving?: Flow['run_saving']; retention?: number }): Promise<Flow> {
    return this.request('PATCH', `/projects/${enc(project)}/flows/${enc(flow)}`, { body: input });
  }
  deleteFlow(project: string, flow: string): Promise<void> {
    return this.request('DELETE', `/projects/${enc(project)}/flows/${enc(flow)}`);
  }

  /** The flow's draft; its document is checked like Go's decoder does. */
  async getDraft(project: string, flow: string): Promise<Draft> {
    const d = await this.get<{ document: unknown; revision: number; updated_at?: string }>(`/projects/${enc(project)}/flows/${enc(flow)}/draft`);
    return { document: parseDocument(d.document), revision: d.revision, ...(d.updated_at ? { updated_at: d.updated_at } : {}) };
  }

  /**
   * Saves the draft over `revision`. A stale revision fails with ConflictError carrying the
   * current one; `force` replaces a non-empty flow by an empty one.
   */
  saveDraft(project: string, flow: string, doc: FlowDocument, revision: number, opts: { force?: boolean } = {}): Promise<SavedDraft> {
    return this.request('PUT', `/projects/${enc(project)}/flows/${enc(flow)}/draft`, {
      body: { document: toJSON(doc), revision, ...(opts.force ? { force: true } : {}) },
    });
  }

  // ---- versions and publishing ---------------------------------------------------------

  listVersions(project: string, flow: string, p: ListParams = {}): Promise<Page<Version>> {
    return this.get(`/projects/${enc(project)}/flows/${enc(flow)}/versions`, { ...p });
  }
  getVersion(project: string, flow: string, version: number): Promise<Version> {
    return this.get(`/projects/${enc(project)}/flows/${enc(flow)}/versions/${version}`);
  }
  restoreVersion(project: string, flow: string, version: number): Promise<SavedDraft> {
    return this.request('POST', `/projects/${enc(project)}/flows/${enc(flow)}/versions/${version}/restore`);
  }
  diffVersions(project: string, flow: string, from: number, to: number): Promise<unknown> {
    return this.get(`/projects/${enc(project)}/flows/${enc(flow)}/versions/diff`, { from, to });
  }
  publish(project: string, flow: string, stage: string, message?: string): Promise<{ version: number }> {
    return this.request('POST', `/projects/${enc(project)}/flows/${enc(flow)}/publish`, { body: { stage, ...(message ? { message } : {}) } });
  }
  unpublish(project: string, flow: string, stage: string): Promise<void> {
    return this.request('POST', `/projects/${enc(project)}/flows/${enc(flow)}/unpublish`, { body: { stage } });
  }
  publishMatrix(project: string): Promise<{ items: PublishCell[] }> {
    return this.get(`/projects/${enc(project)}/publish-matrix`);
  }

  // ---- triggers ------------------------------------------------------------------------

  getRoute(project: string, flow: string): Promise<Route> {
    return this.get(`/projects/${enc(project)}/flows/${enc(flow)}/route`);
  }
  putRoute(project: string, flow: string, route: Route): Promise<Route> {
    return this.request('PUT', `/projects/${enc(project)}/flows/${enc(flow)}/route`, { body: route });
  }
  getSchedule(project: string, flow: string): Promise<Schedule> {
    return this.get(`/projects/${enc(project)}/flows/${enc(flow)}/schedule`);
  }
  putSchedule(project: string, flow: string, schedule: Omit<Schedule, 'next'>): Promise<Schedule> {
    return this.request('PUT', `/projects/${enc(project)}/flows/${enc(flow)}/schedule`, { body: schedule });
  }

  // ---- runs ----------------------------------------------------------------------------

  listRuns(project: string, flow: string, p: ListParams & { stage?: string; status?: RunStatus } = {}): Promise<Page<Run>> {
    return this.get(`/projects/${enc(project)}/flows/${enc(flow)}/runs`, { ...p });
  }
  /** Starts an editor run; it answers at once with the run id, events follow on the socket. */
  startRun(project: string, flow: string, input: StartRunInput): Promise<{ run_id: string }> {
    return this.request('POST', `/projects/${enc(project)}/flows/${enc(flow)}/runs`, { body: input });
  }
  getRun(project: string, run: string): Promise<RunDetail> {
    return this.get(`/projects/${enc(project)}/runs/${enc(run)}`);
  }
  resumeRun(project: string, run: string, input: { node: string; input?: unknown }): Promise<{ run_id: string }> {
    return this.request('POST', `/projects/${enc(project)}/runs/${enc(run)}/resume`, { body: input });
  }
  deleteRuns(project: string, flow: string): Promise<void> {
    return this.request('DELETE', `/projects/${enc(project)}/flows/${enc(flow)}/runs`);
  }

  // ---- secrets, variables, keys, members -----------------------------------------------

  listSecrets(project: string): Promise<Page<SecretInfo>> {
    return this.get(`/projects/${enc(project)}/secrets`);
  }
  setSecret(project: string, key: string, stage: string, value: string): Promise<void> {
    return this.request('PUT', `/projects/${enc(project)}/secrets/${enc(key)}/${enc(stage)}`, { body: { value } });
  }
  deleteSecret(project: string, key: string, stage?: string): Promise<void> {
    return this.request('DELETE', stage ? `/projects/${enc(project)}/secrets/${enc(key)}/${enc(stage)}` : `/projects/${enc(project)}/secrets/${enc(key)}`);
  }
  listEnv(project: string): Promise<Page<EnvVar>> {
    return this.get(`/projects/${enc(project)}/env`);
  }
  setEnv(project: string, key: string, stage: string, value: string): Promise<void> {
    return this.request('PUT', `/projects/${enc(project)}/env/${enc(key)}/${enc(stage)}`, { body: { value } });
  }
  deleteEnv(project: string, key: string, stage?: string): Promise<void> {
    return this.request('DELETE', stage ? `/projects/${enc(project)}/env/${enc(key)}/${enc(stage)}` : `/projects/${enc(project)}/env/${enc(key)}`);
  }
  listApiKeys(project: string): Promise<Page<ApiKey>> {
    return this.get(`/projects/${enc(project)}/api-keys`);
  }
  createApiKey(project: string, label: string): Promise<ApiKey> {
    return this.request('POST', `/projects/${enc(project)}/api-keys`, { body: { label } });
  }
  deleteApiKey(project: string, id: string): Promise<void> {
    return this.request('DELETE', `/projects/${enc(project)}/api-keys/${enc(id)}`);
  }
  listMembers(): Promise<Page<Member>> {
    return this.get('/members');
  }
  inviteMember(email: string, role: Role): Promise<void> {
    return this.request('POST', '/members', { body: { email, role } });
  }
}
