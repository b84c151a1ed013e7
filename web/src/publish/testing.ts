// Test helper: an ApiClient over a fetch stand-in that answers by method and path and
// records every request (method, path, JSON body).

import { ApiClient } from '../api/client';

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  /** The If-Match header sent (null when none). */
  ifMatch: string | null;
}

/** headers: extra answer headers (an ETag). */
export type Answer = { status?: number; body?: unknown; type?: string; headers?: Record<string, string> };
export type Handler = [method: string, path: RegExp, answer: Answer | ((c: Call) => Answer)];

/** An API client for tenant t1 whose fetch answers from handlers (404 problem otherwise). */
export function mockApi(handlers: Handler[]): { api: ApiClient; calls: Call[] } {
  const calls: Call[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const u = new URL(String(input), 'http://test.local');
    const method = init?.method ?? 'GET';
    const path = u.pathname.replace(/^\/api\/v1/, '');
    const call: Call = { method, path, query: u.searchParams, body: init?.body ? JSON.parse(String(init.body)) : undefined, ifMatch: new Headers(init?.headers).get('If-Match') };
    calls.push(call);
    const h = handlers.find(([m, p]) => m === method && p.test(path));
    const a: Answer = h ? (typeof h[2] === 'function' ? h[2](call) : h[2]) : { status: 404, body: { title: 'Not Found', status: 404, detail: `${method} ${path}` } };
    const status = a.status ?? 200;
    if (status === 204) return new Response(null, { status, headers: a.headers ?? {} });
    const type = a.type ?? (status >= 400 ? 'application/problem+json' : 'application/json');
    return new Response(a.body === undefined ? '' : JSON.stringify(a.body), { status, headers: { 'Content-Type': type, ...a.headers } });
  }) as typeof fetch;
  return { api: new ApiClient({ baseUrl: '/api/v1', fetch: fetchImpl, retries: 0, tenant: 't1' }), calls };
}

/** A 422 validation problem naming fields the way the API does (body.<field>). */
export function invalid(errors: { location: string; message: string }[]): Answer {
  return { status: 422, body: { type: 'urn:polysynergy:problem:validation', title: 'Unprocessable Entity', status: 422, detail: 'invalid', errors } };
}

/** The API's 412 for a stale If-Match: the item changed since it was read, nothing was written. */
export function changed(currentEtag: string): Answer {
  return {
    status: 412,
    body: { type: 'urn:polysynergy:problem:changed', title: 'Precondition Failed', status: 412, detail: 'the item changed since it was read', current_etag: currentEtag, errors: [{ location: 'header.if-match', message: 'changed' }] },
  };
}

/** The API's 422 for a flow that does not validate: its problems by JSON pointer (value: the node id). */
export function flowInvalid(errors: { location: string; message: string; value?: string }[]): Answer {
  return {
    status: 422,
    body: { type: 'urn:polysynergy:problem:flow-invalid', title: 'Unprocessable Entity', status: 422, detail: `the flow has ${errors.length} problem(s)`, errors },
  };
}
