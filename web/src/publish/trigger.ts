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

/** Sample words for text variables, one per variable in order: recognisably sample values
 * (a variable's own name, /hello/name, read as a literal path). */
export const SAMPLE_WORDS = ['ada', 'grace', 'alan', 'edsger', 'barbara', 'donald'];

/** The sample value of each variable of the route, in order (what the curl example sends). */
export function sampleValues(segments: readonly Segment[]): { name: string; type: NonNullable<Segment['type']>; value: string }[] {
  let words = 0;
  return segments
    .filter((s) => s.kind === 'variable')
    .map((s) => {
      const type = s.type ?? 'string';
      const value = type === 'number' ? '42' : type === 'uuid' ? '00000000-0000-4000-8000-000000000000' : SAMPLE_WORDS[words++ % SAMPLE_WORDS.length]!;
      return { name: s.name ?? '', type, value };
    });
}

/** The route's path with a sample value in each variable, so the URL can be called as is. */
export function samplePath(segments: readonly Segment[]): string {
  if (!segments.length) return '/';
  const samples = sampleValues(segments);
  let v = 0;
  return segments.map((s) => `/${encodeURIComponent(s.kind === 'static' ? (s.value ?? '') : samples[v++]!.value)}`).join('');
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
  // HEAD is -I: with -X HEAD curl waits for the body the Content-Length names, which never
  // comes, until it times out
  const parts = method === 'HEAD' ? ['curl', '-I'] : ['curl', '-i'];
  if (method !== 'GET' && method !== 'HEAD') parts.push('-X', method);
  // double quotes, so the shell fills in the key from the environment
  if (opts.requireApiKey) parts.push('-H', '"X-API-Key: $POLYSYNERGY_API_KEY"');
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') parts.push('-H', shellQuote('Content-Type: application/json'), '-d', shellQuote('{}'));
  // single-quoted for the shell; -g: curl reads {…} and […] in a URL as ranges to expand
  const url = base + samplePath(opts.segments);
  if (/[{}[\]]/.test(url)) parts.push('-g');
  parts.push(shellQuote(url));
  return parts.join(' ');
}
