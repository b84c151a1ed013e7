// Where a published route flow is reached: the runtime config's trigger URL pattern
// ("http://{project}-{stage}.localhost:8090" locally, "https://{project}-{stage}.<domain>" in
// AWS) with the project's slug and the stage, followed by the route's path; and a curl line
// that calls it.

import type { HttpMethod, Segment } from '../api/types';

/** The route's path as a pattern, e.g. /users/{id:uuid}; no segments is "/". */
export function routePattern(segments: readonly Segment[]): string {
  if (!segments.length) return '/';
  return segments
    .map((s) => {
      if (s.kind === 'static') return `/${s.value ?? ''}`;
      const t = s.type && s.type !== 'string' ? `:${s.type}` : '';
      return `/{${s.name ?? ''}${t}}`;
    })
    .join('');
}

const SAMPLE: Record<NonNullable<Segment['type']>, (name: string) => string> = {
  string: (n) => n || 'value',
  any: (n) => n || 'value',
  number: () => '42',
  uuid: () => '00000000-0000-4000-8000-000000000000',
};

/** The route's path with a sample value in each variable, so the URL can be called as is. */
export function samplePath(segments: readonly Segment[]): string {
  if (!segments.length) return '/';
  return segments
    .map((s) => (s.kind === 'static' ? `/${encodeURIComponent(s.value ?? '')}` : `/${encodeURIComponent(SAMPLE[s.type ?? 'string'](s.name ?? ''))}`))
    .join('');
}

/**
 * The root URL of a project's stage from the trigger URL pattern. A pattern without
 * {project} gets the path form the router also accepts: {pattern}/{project}/{stage}.
 * Null when the deployment names no trigger URL.
 */
export function stageBaseUrl(pattern: string | undefined, slug: string, stage: string): string | null {
  if (!pattern) return null;
  const p = pattern.replace(/\/+$/, '');
  if (p.includes('{project}')) return p.replaceAll('{project}', slug).replaceAll('{stage}', stage);
  return `${p}/${encodeURIComponent(slug)}/${encodeURIComponent(stage)}`;
}

/** The trigger URL of a route on a stage, with {name} placeholders (null: no pattern). */
export function triggerUrl(pattern: string | undefined, slug: string, stage: string, segments: readonly Segment[]): string | null {
  const base = stageBaseUrl(pattern, slug, stage);
  return base === null ? null : base + routePattern(segments).replace(/\{([^}:]*)(:[a-z]+)?\}/g, '{$1}');
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** A curl command that calls the route on a stage (null: no pattern). */
export function curlExample(opts: { pattern: string | undefined; slug: string; stage: string; method: HttpMethod; segments: readonly Segment[]; requireApiKey?: boolean }): string | null {
  const base = stageBaseUrl(opts.pattern, opts.slug, opts.stage);
  if (base === null) return null;
  const method = opts.method === 'ANY' ? 'GET' : opts.method;
  const parts = ['curl', '-i'];
  if (method !== 'GET') parts.push('-X', method);
  // double quotes, so the shell fills in the key from the environment
  if (opts.requireApiKey) parts.push('-H', '"X-API-Key: $POLYSYNERGY_API_KEY"');
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') parts.push('-H', shellQuote('Content-Type: application/json'), '-d', shellQuote('{}'));
  parts.push(shellQuote(base + samplePath(opts.segments)));
  return parts.join(' ');
}
