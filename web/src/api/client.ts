// The REST client: one fetch wrapper with typed errors, and one method per endpoint of
// /api/v1. Every path lives in this module, so when the OpenAPI document changes, this is
// the only file to regenerate or adjust.
//
// Errors: problem+json answers become ApiError (with field errors); 401 becomes
// SessionExpiredError after telling the listeners (the editor keeps unsaved work and asks
// to sign in again); 409 becomes ConflictError with the server's current revision; 412 (an
// If-Match tag that is no longer current: someone changed the item since it was read, and
// nothing was written) becomes ChangedError with the current tag; 422 with
// flow problems becomes FlowInvalidError. The writes on an existing item take the `etag` last
// read of it (ifMatch) and send it as If-Match; their answers carry the new one. Idempotent reads are retried on 502/503/504 and
// network failures, honouring Retry-After.

import { parseCatalog, type Catalog } from '../model/catalog';
import { parseDocument, toJSON, type FlowDocument } from '../model/flow';
import type { ServerProblem } from '../model/validate';
import type {
  ApiKey,
  Bundle,
  CreatedVersion,
  Draft,
  EnvVar,
  Flow,
  FlowDetail,
  FlowDiff,
  FlowKind,
  FlowUpdate,
  ImportChoice,
  ImportPreview,
  ImportResult,
  Invitation,
  ListParams,
  Me,
  Membership,
  MyInvitation,
  Member,
  NewApiKey,
  Page,
  Project,
  Publication,
  PublishMatrix,
  PublishResult,
  RenamedStage,
  Role,
  Route,
  RouteInput,
  Run,
  RunDetail,
  RunStatus,
  SavedDraft,
  Schedule,
  ScheduleInput,
  SecretInfo,
  SlugCheck,
  Stage,
  StartedRun,
  StartRunInput,
  Tenant,
  ValidationReport,
  Version,
  VersionDetail,
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

/**
 * 412: the If-Match tag is not the item's current one — someone else changed it since it was
 * read — and nothing was written. currentEtag is the item's tag now, when the API says it.
 */
export class ChangedError extends ApiError {
  readonly currentEtag: string | null;
  constructor(init: ConstructorParameters<typeof ApiError>[0], currentEtag: string | null) {
    super(init);
    this.name = 'ChangedError';
    this.currentEtag = currentEtag;
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

/** The problem type of a flow that does not validate; its errors are the flow's problems. */
export const FLOW_INVALID = 'urn:polysynergy:problem:flow-invalid';

function problemsOf(p: ProblemDocument): ServerProblem[] {
  if (p.type === FLOW_INVALID && Array.isArray(p.errors)) {
    // each error: location = JSON pointer into the document, value = the node's handle
    return (p.errors as unknown[])
      .filter((x): x is Record<string, unknown> => !!x && typeof x === 'object')
      .map((x) => ({
        path: typeof x.location === 'string' && x.location !== '/' ? x.location : '',
        message: typeof x.message === 'string' ? x.message : '',
        ...(typeof x.value === 'string' ? { node: x.value } : {}),
      }));
  }
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
  /** The entity tag last read of the item: sent as If-Match (412 when it is no longer current). */
  ifMatch?: string | null;
}

/** A write's answer with the ETag header it came with (null when none). */
export interface Tagged<T> {
  body: T;
  etag: string | null;
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
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** The tenant tenant-scoped calls act in (see setTenant). */
  tenant?: string;
}

const enc = encodeURIComponent;

/** Typed access to /api/v1. */
export class ApiClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly retries: number;
  private readonly expiredListeners = new Set<(e: SessionExpiredError) => void>();
  private tenant: string | undefined;

  constructor(private readonly opts: ApiClientOptions) {
    this.tenant = opts.tenant;
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
    return (await this.tagged<T>(method, path, o)).body;
  }

  /** Like request, with the answer's ETag header. */
  async tagged<T>(method: string, path: string, o: RequestOptions = {}): Promise<Tagged<T>> {
    const idempotent = method === 'GET' || method === 'HEAD';
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...this.opts.headers, ...o.headers };
      const token = await this.opts.getToken?.();
      if (token) headers.Authorization = `Bearer ${token}`;
      if (o.ifMatch) headers['If-Match'] = o.ifMatch;
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
        throw new ApiError({ status: 0, title: 'No connection to the server', detail: err instanceof Error ? err.message : String(err), method, path });
      }
      if (res.ok) {
        const etag = res.headers.get('ETag');
        if (res.status === 204) return { body: undefined as T, etag };
        const text = await res.text();
        if (!text) return { body: undefined as T, etag };
        try {
          return { body: JSON.parse(text) as T, etag };
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
    if (res.status === 412) {
      const ce = problem?.current_etag;
      return new ChangedError(init, typeof ce === 'string' && ce ? ce : null);
    }
    if (res.status === 422 && problem && (problem.type === FLOW_INVALID || Array.isArray(problem.problems))) return new FlowInvalidError(init, problemsOf(problem));
    return new ApiError(init);
  }

  private get<T>(path: string, query?: Query, signal?: AbortSignal) {
    return this.request<T>('GET', path, { query, signal });
  }

  /** The answer with its ETag header as its etag (for resources whose body has none). */
  private async withEtag<T extends object>(method: string, path: string, o: RequestOptions = {}): Promise<T & { etag?: string }> {
    const { body, etag } = await this.tagged<T>(method, path, o);
    return etag ? { ...body, etag } : body;
  }

  /** A write's new ETag header (null when the item is gone or the API sent none). */
  private async etagOf(method: string, path: string, o: RequestOptions = {}): Promise<{ etag: string | null }> {
    return { etag: (await this.tagged<unknown>(method, path, o)).etag };
  }

  // ---- identity, catalogue ------------------------------------------------------------

  /** The caller and their tenants; the first sign-in creates a personal tenant. */
  me(): Promise<Me> {
    return this.get('/me');
  }

  /** The pending invitations to the caller's verified e-mail address. */
  async myInvitations(): Promise<MyInvitation[]> {
    const p = await this.get<Page<MyInvitation>>('/me/invitations');
    return p?.items ?? [];
  }

  /** Accepts the invitation to tenant: the caller joins it with the invited role. */
  acceptInvitation(tenant: string): Promise<Membership> {
    return this.request('POST', `/me/invitations/${enc(tenant)}/accept`);
  }

  /** Declines the invitation to tenant (it is deleted). */
  declineInvitation(tenant: string): Promise<void> {
    return this.request('DELETE', `/me/invitations/${enc(tenant)}`);
  }

  async catalog(): Promise<Catalog> {
    return parseCatalog(await this.get<unknown>('/nodes'));
  }

  previewSchedule(input: ScheduleInput): Promise<{ description: string; next_runs: string[] }> {
    return this.request('POST', '/schedule-preview', { body: input });
  }

  /** The tenant the tenant-scoped calls act in (undefined before one is chosen). */
  get currentTenant(): string | undefined {
    return this.tenant;
  }

  /** Chooses the tenant the tenant-scoped calls below act in. */
  setTenant(tenant: string): void {
    this.tenant = tenant;
  }

  private tp(rest = ''): string {
    if (!this.tenant) throw new Error('api: no tenant chosen (call setTenant)');
    return `/tenants/${enc(this.tenant)}${rest}`;
  }

  private pp(project: string, rest = ''): string {
    return this.tp(`/projects/${enc(project)}${rest}`);
  }

  private fp(project: string, flow: string, rest = ''): string {
    return this.pp(project, `/flows/${enc(flow)}${rest}`);
  }

  // ---- tenant and members --------------------------------------------------------------

  /** The tenant, with its ETag as etag. */
  getTenant(): Promise<Tenant> {
    return this.withEtag('GET', this.tp());
  }
  renameTenant(name: string, ifMatch?: string | null): Promise<Tenant> {
    return this.withEtag('PATCH', this.tp(), { body: { name }, ifMatch });
  }
  /** The caller leaves the tenant, whatever their role (409 for its last admin). */
  leaveTenant(): Promise<void> {
    return this.request('POST', this.tp('/leave'));
  }
  listMembers(p: ListParams = {}): Promise<Page<Member>> {
    return this.get(this.tp('/members'), { ...p });
  }
  getMember(sub: string): Promise<Member> {
    return this.get(this.tp(`/members/${enc(sub)}`));
  }
  setMemberRole(sub: string, role: Role, ifMatch?: string | null): Promise<Member> {
    return this.request('PATCH', this.tp(`/members/${enc(sub)}`), { body: { role }, ifMatch });
  }
  removeMember(sub: string, ifMatch?: string | null): Promise<void> {
    return this.request('DELETE', this.tp(`/members/${enc(sub)}`), { ifMatch });
  }
  /** Invites an address; inviting a pending one again replaces its invitation (over ifMatch, its etag last read, when given). */
  invite(email: string, role: Role, ifMatch?: string | null): Promise<Invitation> {
    return this.request('POST', this.tp('/invitations'), { body: { email, role }, ifMatch });
  }
  /** One pending invitation, with its etag. */
  getInvitation(email: string): Promise<Invitation> {
    return this.get(this.tp(`/invitations/${enc(email)}`));
  }
  listInvitations(p: ListParams = {}): Promise<Page<Invitation>> {
    return this.get(this.tp('/invitations'), { ...p });
  }
  deleteInvitation(email: string, ifMatch?: string | null): Promise<void> {
    return this.request('DELETE', this.tp(`/invitations/${enc(email)}`), { ifMatch });
  }

  // ---- projects ------------------------------------------------------------------------

  listProjects(p: ListParams = {}): Promise<Page<Project>> {
    return this.get(this.tp('/projects'), { ...p });
  }
  listTrash(p: ListParams = {}): Promise<Page<Project>> {
    return this.get(this.tp('/trash'), { ...p });
  }
  /** Whether a slug is free, with a suggestion. */
  checkProjectSlug(q: { name?: string; slug?: string }): Promise<SlugCheck> {
    return this.get(this.tp('/project-slug'), { ...q });
  }
  createProject(input: { name: string; slug?: string }): Promise<Project> {
    return this.request('POST', this.tp('/projects'), { body: input });
  }
  /** The project, with its ETag as etag. */
  getProject(project: string): Promise<Project> {
    return this.withEtag('GET', this.pp(project));
  }
  /** Renames, changes the slug (409 when taken) or, for admins, the private network access. */
  updateProject(project: string, input: { name?: string; slug?: string; allow_private_network?: boolean }, ifMatch?: string | null): Promise<Project> {
    return this.withEtag('PATCH', this.pp(project), { body: input, ifMatch });
  }
  trashProject(project: string): Promise<Project> {
    return this.request('POST', this.pp(project, '/trash'));
  }
  restoreProject(project: string): Promise<Project> {
    return this.request('POST', this.pp(project, '/restore'));
  }
  deleteProjectPermanently(project: string): Promise<void> {
    return this.request('DELETE', this.pp(project));
  }

  // ---- stages --------------------------------------------------------------------------

  listStages(project: string): Promise<Stage[]> {
    return this.get<Stage[] | null>(this.pp(project, '/stages')).then((l) => l ?? []);
  }
  createStage(project: string, input: { name: string; position?: number }): Promise<Stage> {
    return this.request('POST', this.pp(project, '/stages'), { body: input });
  }
  getStage(project: string, stage: string): Promise<Stage> {
    return this.get(this.pp(project, `/stages/${enc(stage)}`));
  }
  /** Renames a stage; the answer lists the publications that were not moved (empty versions). */
  renameStage(project: string, stage: string, name: string, ifMatch?: string | null): Promise<RenamedStage> {
    return this.request<RenamedStage>('PATCH', this.pp(project, `/stages/${enc(stage)}`), { body: { name }, ifMatch }).then((s) => ({ ...s, skipped: s?.skipped ?? [] }));
  }
  deleteStage(project: string, stage: string, ifMatch?: string | null): Promise<void> {
    return this.request('DELETE', this.pp(project, `/stages/${enc(stage)}`), { ifMatch });
  }
  /** The stages with the list's etag (what reordering and marking production take as If-Match). */
  async stageList(project: string): Promise<Tagged<Stage[]>> {
    const { body, etag } = await this.tagged<Stage[] | null>('GET', this.pp(project, '/stages'));
    return { body: body ?? [], etag };
  }
  /** Reorders the stages (over ifMatch, the list's etag last read, when given); answers the list with its new etag. */
  async reorderStages(project: string, stages: string[], ifMatch?: string | null): Promise<Tagged<Stage[]>> {
    const { body, etag } = await this.tagged<Stage[] | null>('PUT', this.pp(project, '/stage-order'), { body: { stages }, ifMatch });
    return { body: body ?? [], etag };
  }
  /** Marks the production stage ('' for none) (over ifMatch, the list's etag last read, when given); answers the list with its new etag. */
  async setProductionStage(project: string, stage: string, ifMatch?: string | null): Promise<Tagged<Stage[]>> {
    const { body, etag } = await this.tagged<Stage[] | null>('PUT', this.pp(project, '/production-stage'), { body: { stage }, ifMatch });
    return { body: body ?? [], etag };
  }

  // ---- flows and drafts ----------------------------------------------------------------

  listFlows(project: string, kind?: FlowKind, p: ListParams = {}): Promise<Page<Flow>> {
    return this.get(this.pp(project, '/flows'), { kind, ...p });
  }
  createFlow(project: string, input: { kind: FlowKind; name: string; blueprint?: string; document?: FlowDocument; route?: RouteInput; schedule?: ScheduleInput }): Promise<FlowDetail> {
    const body = input.document ? { ...input, document: toJSON(input.document) } : input;
    return this.request('POST', this.pp(project, '/flows'), { body });
  }
  /** The flow with its draft; the draft's document is checked like Go's decoder does. */
  async getFlow(project: string, flow: string): Promise<FlowDetail> {
    const f = await this.get<FlowDetail & { draft: { document: unknown } }>(this.fp(project, flow));
    return { ...f, draft: { ...f.draft, document: parseDocument(f.draft.document) } };
  }
  async getDraft(project: string, flow: string): Promise<Draft> {
    return (await this.getFlow(project, flow)).draft;
  }
  /** Changes the flow's settings: only the fields given ("" clears error_flow). */
  updateFlow(project: string, flow: string, input: FlowUpdate): Promise<Flow> {
    return this.request('PATCH', this.fp(project, flow), { body: input });
  }
  deleteFlow(project: string, flow: string): Promise<void> {
    return this.request('DELETE', this.fp(project, flow));
  }

  /**
   * Saves the draft over `revision`. A stale revision fails with ConflictError carrying the
   * current one; `force` replaces a non-empty flow by an empty one.
   */
  saveDraft(project: string, flow: string, doc: FlowDocument, revision: number, opts: { force?: boolean } = {}): Promise<SavedDraft> {
    return this.request('PUT', this.fp(project, flow, '/draft'), {
      body: { document: toJSON(doc), revision, ...(opts.force ? { force: true } : {}) },
    });
  }
  /**
   * Validates the saved draft (not what is unsaved): every problem and warning, by JSON
   * pointer, and the revision checked.
   */
  validateFlow(project: string, flow: string, signal?: AbortSignal): Promise<ValidationReport> {
    return this.request<ValidationReport>('POST', this.fp(project, flow, '/validate'), signal ? { signal } : {}).then((r) => ({
      valid: !!r?.valid,
      problems: r?.problems ?? [],
      warnings: r?.warnings ?? [],
      ...(typeof r?.revision === 'number' ? { revision: r.revision } : {}),
    }));
  }

  // ---- versions and publishing ---------------------------------------------------------

  listVersions(project: string, flow: string, p: ListParams = {}): Promise<Page<Version>> {
    return this.get(this.fp(project, flow, '/versions'), { ...p });
  }
  createVersion(project: string, flow: string, message?: string): Promise<CreatedVersion> {
    return this.request('POST', this.fp(project, flow, '/versions'), { body: message ? { message } : {} });
  }
  async getVersion(project: string, flow: string, version: number): Promise<VersionDetail> {
    const v = await this.get<VersionDetail & { document: unknown }>(this.fp(project, flow, `/versions/${version}`));
    return { ...v, document: parseDocument(v.document) };
  }
  /** Copies a version into the draft (over `revision` when given). */
  restoreVersion(project: string, flow: string, version: number, revision?: number): Promise<SavedDraft> {
    return this.request('POST', this.fp(project, flow, `/versions/${version}/restore`), { body: revision !== undefined ? { revision } : {} });
  }
  diffVersions(project: string, flow: string, from: number | 'draft', to: number | 'draft'): Promise<FlowDiff> {
    return this.get(this.fp(project, flow, '/diff'), { from, to });
  }
  publish(project: string, flow: string, stage: string, opts: { message?: string; revision?: number; version?: number } = {}): Promise<PublishResult> {
    return this.request('POST', this.fp(project, flow, '/publish'), { body: { stage, ...opts } });
  }
  unpublish(project: string, flow: string, stage: string): Promise<void> {
    return this.request('DELETE', this.fp(project, flow, `/publications/${enc(stage)}`));
  }
  listPublications(project: string, flow: string): Promise<Publication[]> {
    return this.get<Publication[] | null>(this.fp(project, flow, '/publications')).then((l) => l ?? []);
  }
  publishMatrix(project: string): Promise<PublishMatrix> {
    return this.get(this.pp(project, '/publish-matrix'));
  }

  // ---- triggers ------------------------------------------------------------------------

  /** The route, with its ETag as etag. */
  getRoute(project: string, flow: string): Promise<Route & { etag?: string }> {
    return this.withEtag('GET', this.fp(project, flow, '/route'));
  }
  /** Saves the route (over ifMatch, the etag last read, when given); answers it with its new etag. */
  putRoute(project: string, flow: string, route: RouteInput, ifMatch?: string | null): Promise<Route & { etag?: string }> {
    return this.withEtag('PUT', this.fp(project, flow, '/route'), { body: route, ifMatch });
  }
  /** The schedule, with its ETag as etag (it changes when a fire time has passed, too). */
  getSchedule(project: string, flow: string): Promise<Schedule & { etag?: string }> {
    return this.withEtag('GET', this.fp(project, flow, '/schedule'));
  }
  /** Saves the schedule (over ifMatch, the etag last read, when given); answers it with its new etag. */
  putSchedule(project: string, flow: string, schedule: ScheduleInput, ifMatch?: string | null): Promise<Schedule & { etag?: string }> {
    return this.withEtag('PUT', this.fp(project, flow, '/schedule'), { body: schedule, ifMatch });
  }

  // ---- runs ----------------------------------------------------------------------------

  listRuns(project: string, flow: string, p: ListParams & { stage?: string; status?: RunStatus } = {}): Promise<Page<Run>> {
    return this.get(this.fp(project, flow, '/runs'), { ...p });
  }
  /** Starts an editor run; it answers 202 at once with the run id, events follow on the socket. */
  startRun(project: string, flow: string, input: StartRunInput): Promise<StartedRun> {
    return this.request('POST', this.fp(project, flow, '/runs'), { body: input });
  }
  getRun(project: string, flow: string, run: string): Promise<RunDetail> {
    return this.get(this.fp(project, flow, `/runs/${enc(run)}`));
  }
  resumeRun(project: string, flow: string, run: string, input: { node: string; input?: unknown }): Promise<StartedRun> {
    return this.request('POST', this.fp(project, flow, `/runs/${enc(run)}/resume`), { body: input });
  }
  deleteRun(project: string, flow: string, run: string): Promise<void> {
    return this.request('DELETE', this.fp(project, flow, `/runs/${enc(run)}`));
  }
  deleteRuns(project: string, flow: string): Promise<unknown> {
    return this.request('DELETE', this.fp(project, flow, '/runs'));
  }

  // ---- secrets, variables, keys, bundles -----------------------------------------------

  /** Secret keys with the stages that have a value; values are never returned. */
  listSecrets(project: string): Promise<SecretInfo[]> {
    return this.get<SecretInfo[] | null>(this.pp(project, '/secrets')).then((l) => l ?? []);
  }
  /** One secret's stages and tag (never a value). */
  getSecret(project: string, key: string): Promise<SecretInfo> {
    return this.get(this.pp(project, `/secrets/${enc(key)}`));
  }
  /** Sets a secret's value on a stage; answers the secret's new tag. */
  setSecret(project: string, key: string, stage: string, value: string, ifMatch?: string | null): Promise<{ etag: string | null }> {
    return this.etagOf('PUT', this.pp(project, `/secrets/${enc(key)}/stages/${enc(stage)}`), { body: { value }, ifMatch });
  }
  /** Deletes a secret's value on a stage (or everywhere); answers the tag of what is left. */
  deleteSecret(project: string, key: string, stage?: string, ifMatch?: string | null): Promise<{ etag: string | null }> {
    return this.etagOf('DELETE', this.pp(project, stage ? `/secrets/${enc(key)}/stages/${enc(stage)}` : `/secrets/${enc(key)}`), { ifMatch });
  }
  listEnv(project: string): Promise<EnvVar[]> {
    return this.get<EnvVar[] | null>(this.pp(project, '/env')).then((l) => l ?? []);
  }
  getEnv(project: string, key: string): Promise<EnvVar> {
    return this.get(this.pp(project, `/env/${enc(key)}`));
  }
  /** Sets a variable's value on every given stage at once. */
  setEnv(project: string, key: string, values: Record<string, string>, ifMatch?: string | null): Promise<EnvVar> {
    return this.request('PUT', this.pp(project, `/env/${enc(key)}`), { body: { values }, ifMatch });
  }
  setEnvStage(project: string, key: string, stage: string, value: string, ifMatch?: string | null): Promise<EnvVar> {
    return this.request('PUT', this.pp(project, `/env/${enc(key)}/stages/${enc(stage)}`), { body: { value }, ifMatch });
  }
  /** Deletes a variable's value on a stage (or everywhere); answers the tag of what is left. */
  deleteEnv(project: string, key: string, stage?: string, ifMatch?: string | null): Promise<{ etag: string | null }> {
    return this.etagOf('DELETE', this.pp(project, stage ? `/env/${enc(key)}/stages/${enc(stage)}` : `/env/${enc(key)}`), { ifMatch });
  }
  listApiKeys(project: string, p: ListParams = {}): Promise<Page<ApiKey>> {
    return this.get(this.pp(project, '/api-keys'), { ...p });
  }
  createApiKey(project: string, label: string): Promise<NewApiKey> {
    return this.request('POST', this.pp(project, '/api-keys'), { body: { label } });
  }
  getApiKey(project: string, id: string): Promise<ApiKey> {
    return this.get(this.pp(project, `/api-keys/${enc(id)}`));
  }
  renameApiKey(project: string, id: string, label: string, ifMatch?: string | null): Promise<ApiKey> {
    return this.request('PATCH', this.pp(project, `/api-keys/${enc(id)}`), { body: { label }, ifMatch });
  }
  deleteApiKey(project: string, id: string, ifMatch?: string | null): Promise<void> {
    return this.request('DELETE', this.pp(project, `/api-keys/${enc(id)}`), { ifMatch });
  }
  /** The project's flows as one bundle; only the given flow ids when some are given. */
  exportFlows(project: string, flows?: string[]): Promise<Bundle> {
    return this.get(this.pp(project, '/export'), { flow: flows?.length ? flows.join(',') : undefined });
  }
  /** Each flow of the bundle with the project's flow it collides with by name. */
  previewImport(project: string, bundle: Bundle): Promise<ImportPreview> {
    return this.request('POST', this.pp(project, '/import/preview'), { body: { bundle } });
  }
  /** Imports the bundle; flows that collide by name need a choice in items. */
  importFlows(project: string, body: { bundle: Bundle; items?: ImportChoice[] }): Promise<ImportResult> {
    return this.request('POST', this.pp(project, '/import'), { body });
  }
}
