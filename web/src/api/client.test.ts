import { describe, expect, it, vi } from 'vitest';
import { SCHEMA } from '../model/flow';
import { ApiClient, ApiError, ChangedError, ConflictError, FlowInvalidError, SessionExpiredError } from './client';

type Call = { url: string; init: RequestInit };

function fake(...answers: (Response | Error)[]) {
  const calls: Call[] = [];
  const f = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const a = answers.shift();
    if (!a) throw new Error('no more answers');
    if (a instanceof Error) throw a;
    return a;
  });
  return { fetch: f as unknown as typeof fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const problem = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/problem+json', ...headers } });

const client = (f: typeof fetch, extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) =>
  new ApiClient({ baseUrl: '/api/v1/', fetch: f, getToken: () => 'tok', sleep: async () => {}, tenant: 't1', ...extra });

describe('ApiClient requests', () => {
  it('sends the bearer token, JSON bodies and query parameters', async () => {
    const { fetch, calls } = fake(json(201, { id: 'p1', name: 'Shop', slug: 'shop' }), json(200, { items: [] }));
    const api = client(fetch);
    const p = await api.createProject({ name: 'Shop' });
    expect(p.slug).toBe('shop');
    expect(calls[0]!.url).toBe('/api/v1/tenants/t1/projects');
    expect(calls[0]!.init.method).toBe('POST');
    expect((calls[0]!.init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect((calls[0]!.init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ name: 'Shop' });
    await api.listFlows('p 1', 'route', { limit: 20, cursor: undefined });
    expect(calls[1]!.url).toBe('/api/v1/tenants/t1/projects/p%201/flows?kind=route&limit=20');
  });

  it('answers undefined for 204', async () => {
    const { fetch } = fake(new Response(null, { status: 204 }));
    await expect(client(fetch).deleteFlow('p1', 'f1')).resolves.toBeUndefined();
  });

  it('needs a tenant for tenant-scoped calls', async () => {
    const { fetch } = fake(json(200, { sub: 'u', memberships: [] }));
    const api = client(fetch, { tenant: undefined });
    await expect(api.me()).resolves.toMatchObject({ sub: 'u' });
    expect(() => api.listProjects()).toThrow('no tenant chosen');
  });

  it('checks the draft document it reads and sends the document as Go writes it', async () => {
    const document = { schema: SCHEMA, nodes: [{ id: 'a', handle: 'a', type: 'debug.log', position: { x: 0.4, y: 0 } }], connections: [] };
    const flow = (doc: unknown, revision: number) => json(200, { id: 'f', project: 'p', kind: 'route', name: 'F', draft: { document: doc, revision, updated_at: 'now' } });
    const { fetch, calls } = fake(flow(document, 3), json(200, { revision: 4 }), flow({ schema: 'x' }, 1));
    const api = client(fetch);
    const d = await api.getDraft('p', 'f');
    expect(d.revision).toBe(3);
    await api.saveDraft('p', 'f', d.document, d.revision);
    expect(calls[1]!.init.method).toBe('PUT');
    expect(JSON.parse(String(calls[1]!.init.body))).toEqual({ document: { ...document, nodes: [{ ...document.nodes[0], position: { x: 0, y: 0 } }], groups: [] }, revision: 3 });
    await expect(api.getDraft('p', 'f')).rejects.toThrow(/schema/);
  });
});

describe('the invitations addressed to the caller', () => {
  it('lists, accepts and declines them outside any tenant, with no tenant chosen', async () => {
    const { fetch, calls } = fake(json(200, { items: [{ tenant: 'T 2', tenant_name: 'Acme', role: 'viewer' }] }), json(200, { tenant: 'T 2', tenant_name: 'Acme', role: 'viewer', since: 'x' }), new Response(null, { status: 204 }));
    const api = new ApiClient({ baseUrl: '/api/v1/', fetch, getToken: () => 'tok', sleep: async () => {} });
    expect((await api.myInvitations()).map((i) => i.tenant)).toEqual(['T 2']);
    expect((await api.acceptInvitation('T 2')).tenant_name).toBe('Acme');
    expect(await api.declineInvitation('T 2')).toBeUndefined();
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual(['GET /api/v1/me/invitations', 'POST /api/v1/me/invitations/T%202/accept', 'DELETE /api/v1/me/invitations/T%202']);
  });
});

describe('validating the draft', () => {
  it("gives the answer's problems, warnings and revision ([] for an older answer without warnings)", async () => {
    const warn = { path: '/nodes/2/values/template', message: 'reads "a", which "b" does not wait for', node: 'b', port: 'template' };
    const { fetch, calls } = fake(json(200, { valid: true, problems: [], warnings: [warn], revision: 7 }), json(200, { valid: false, problems: [{ path: '/nodes', message: 'm' }] }));
    const api = client(fetch);
    await expect(api.validateFlow('p', 'f')).resolves.toEqual({ valid: true, problems: [], warnings: [warn], revision: 7 });
    expect(calls[0]!.url).toBe('/api/v1/tenants/t1/projects/p/flows/f/validate');
    expect(calls[0]!.init.method).toBe('POST');
    await expect(api.validateFlow('p', 'f')).resolves.toEqual({ valid: false, problems: [{ path: '/nodes', message: 'm' }], warnings: [] });
  });
});

describe('ApiClient errors', () => {
  it('turns problem+json into ApiError with field errors and the request id', async () => {
    const { fetch } = fake(
      problem(400, { title: 'Bad Request', status: 400, detail: 'validation failed', errors: [{ message: 'must be at most 40 characters', location: 'body.slug', value: 'x'.repeat(41) }, { message: 'is required', location: 'body.name' }] }, { 'X-Request-Id': 'req-1' }),
    );
    const err = await client(fetch).createProject({ name: '', slug: 'x'.repeat(41) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(400);
    expect(e.message).toBe('Bad Request: validation failed');
    expect(e.fieldErrors.map((f) => f.field)).toEqual(['slug', 'name']);
    expect(e.fieldError('name')).toBe('is required');
    expect(e.requestId).toBe('req-1');
    expect(e.method).toBe('POST');
    expect(e.path).toBe('/tenants/t1/projects');
  });

  it('reads RFC 9457 invalid_params and JSON-pointer fields too', async () => {
    const { fetch } = fake(problem(422, { title: 'Invalid', invalid_params: [{ name: 'cron', reason: 'minute field: 61 is out of range' }, { pointer: '/segments/1/type', detail: 'unknown type' }] }));
    const e = (await client(fetch).putSchedule('p', 'f', { cron: '61 * * * *', timezone: 'UTC', enabled: true }).catch((x: unknown) => x)) as ApiError;
    expect(e.fieldErrors).toEqual([
      { field: 'cron', message: 'minute field: 61 is out of range' },
      { field: 'segments.1.type', message: 'unknown type' },
    ]);
  });

  it('keeps a non-JSON error body as the detail', async () => {
    const { fetch } = fake(new Response('upstream exploded', { status: 500, statusText: 'Internal Server Error' }));
    const e = (await client(fetch).me().catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(500);
    expect(e.title).toBe('Server error');
    expect(e.detail).toBe('upstream exploded');
    expect(e.fieldErrors).toEqual([]);
  });

  it('turns 401 into SessionExpiredError and tells the listeners', async () => {
    const { fetch } = fake(problem(401, { title: 'Unauthorized', status: 401 }), problem(401, { title: 'Unauthorized' }));
    const api = client(fetch);
    const seen: string[] = [];
    const off = api.onSessionExpired((e) => seen.push(e.path));
    await expect(api.listProjects()).rejects.toBeInstanceOf(SessionExpiredError);
    off();
    await expect(api.listProjects()).rejects.toBeInstanceOf(SessionExpiredError);
    expect(seen).toEqual(['/tenants/t1/projects']);
  });

  it('turns 409 into ConflictError carrying the current revision', async () => {
    const { fetch } = fake(problem(409, { title: 'Conflict', detail: 'the draft changed', current_revision: 7 }), problem(409, { title: 'Conflict', detail: 'slug taken' }));
    const api = client(fetch);
    const e = (await api.saveDraft('p', 'f', { schema: SCHEMA, nodes: [], connections: [] }, 5).catch((x: unknown) => x)) as ConflictError;
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.currentRevision).toBe(7);
    const e2 = (await api.updateProject('p', { slug: 'taken' }).catch((x: unknown) => x)) as ConflictError;
    expect(e2.currentRevision).toBeNull();
    expect(e2.detail).toBe('slug taken');
  });

  it('turns 422 flow-invalid into FlowInvalidError with the flow problems', async () => {
    const { fetch } = fake(
      problem(422, {
        type: 'urn:polysynergy:problem:flow-invalid',
        title: 'Unprocessable Entity',
        status: 422,
        detail: 'the flow has 2 problem(s); each is listed with its JSON pointer',
        errors: [
          { location: '/nodes/0/handle', message: 'bad', value: 'x' },
          { location: '/schema', message: 'nope' },
        ],
      }),
    );
    const e = (await client(fetch).publish('p', 'f', 'prod').catch((x: unknown) => x)) as FlowInvalidError;
    expect(e).toBeInstanceOf(FlowInvalidError);
    expect(e.problems).toEqual([
      { path: '/nodes/0/handle', message: 'bad', node: 'x' },
      { path: '/schema', message: 'nope' },
    ]);
  });

  it('retries reads on 503 honouring Retry-After, but never writes', async () => {
    const sleeps: number[] = [];
    const { fetch, calls } = fake(problem(503, { title: 'Unavailable' }, { 'Retry-After': '2' }), json(200, { items: [{ id: 'p' }] }), problem(503, { title: 'Unavailable' }));
    const api = client(fetch, { sleep: async (ms) => void sleeps.push(ms) });
    expect((await api.listProjects()).items).toHaveLength(1);
    expect(sleeps).toEqual([2000]);
    await expect(api.createProject({ name: 'x' })).rejects.toMatchObject({ status: 503 });
    expect(calls).toHaveLength(3);
  });

  it('gives up after the retries with a status-0 error when there is no connection', async () => {
    const sleeps: number[] = [];
    const { fetch } = fake(new TypeError('Failed to fetch'), new TypeError('Failed to fetch'), new TypeError('Failed to fetch'));
    const e = (await client(fetch, { sleep: async (ms) => void sleeps.push(ms) }).me().catch((x: unknown) => x)) as ApiError;
    expect(e.isNetwork).toBe(true);
    expect(e.detail).toBe('Failed to fetch');
    expect(sleeps).toEqual([300, 600]);
  });
});

describe('ApiClient If-Match', () => {
  const hdr = (c: Call) => c.init.headers as Record<string, string>;

  it('sends the tag last read as If-Match on the writes of existing items, and none when there is no tag', async () => {
    const { fetch, calls } = fake(
      json(200, { name: 'qa', position: 1, production: false, created_at: '', etag: '"s2"', skipped: [] }),
      new Response(null, { status: 204, headers: { ETag: '"k2"' } }),
      new Response(null, { status: 204 }),
      json(200, { sub: 'u', role: 'admin', since: '', etag: '"m2"' }),
    );
    const api = client(fetch);
    await api.renameStage('p1', 'staging', 'qa', '"s1"');
    expect(hdr(calls[0]!)['If-Match']).toBe('"s1"');
    await expect(api.setSecret('p1', 'K', 'prod', 'v', '"k1"')).resolves.toEqual({ etag: '"k2"' });
    expect(hdr(calls[1]!)['If-Match']).toBe('"k1"');
    await api.setSecret('p1', 'NEW', 'prod', 'v');
    expect(hdr(calls[2]!)).not.toHaveProperty('If-Match');
    await api.setMemberRole('u', 'admin', '"m1"');
    expect(hdr(calls[3]!)['If-Match']).toBe('"m1"');
  });

  it('turns a 412 into ChangedError with the current tag', async () => {
    const { fetch } = fake(
      problem(412, { type: 'urn:polysynergy:problem:changed', title: 'Precondition Failed', status: 412, detail: 'the stage changed since it was read', current_etag: '"now"' }),
    );
    const e = await client(fetch)
      .deleteStage('p1', 'staging', '"old"')
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChangedError);
    expect((e as ChangedError).currentEtag).toBe('"now"');
    expect((e as ChangedError).status).toBe(412);
  });

  it("reads the project's and the tenant's ETag header as their etag", async () => {
    const { fetch, calls } = fake(json(200, { id: 'p1', name: 'Shop', slug: 'shop' }, { ETag: '"p1"' }), json(200, { id: 'p1', name: 'Shop 2', slug: 'shop' }, { ETag: '"p2"' }), json(200, { id: 't1', name: 'T', role: 'admin' }, { ETag: '"t1"' }));
    const api = client(fetch);
    const p = await api.getProject('p1');
    expect(p.etag).toBe('"p1"');
    const p2 = await api.updateProject('p1', { name: 'Shop 2' }, p.etag);
    expect(hdr(calls[1]!)['If-Match']).toBe('"p1"');
    expect(p2.etag).toBe('"p2"');
    expect((await api.getTenant()).etag).toBe('"t1"');
  });
});
