// The route a stage serves for a route flow (the API's publication.route: method, path and
// whether callers need an API key, as it was when the flow was published there) and, when the
// flow's route settings changed since (route_differs), a notice saying what it serves and what
// publishing again would serve, with the publish action beside it.

import type { Publication, Route, ServedRoute } from '../api/types';
import { routePattern } from './trigger';

/** What a stage serves, with the API key requirement when asked for: "GET /orders/{id}". */
export function describeRoute(r: { method: string; path: string; require_api_key?: boolean | undefined }, withKey = false): string {
  const key = withKey ? (r.require_api_key ? ', API key required' : ', no API key') : '';
  return `${r.method} ${r.path}${key}`;
}

/** The flow's route as a served one (what publishing now would serve). */
export function currentServed(r: Route): ServedRoute {
  return { method: r.method, path: r.pattern || routePattern(r.segments ?? []), require_api_key: !!r.require_api_key };
}

/**
 * The notice for a publication whose stage serves older route settings than the flow has
 * (null when it serves the current ones): the served route, and what publishing again serves.
 */
export function routeNotice(p: Publication, current: Route | null): string | null {
  if (!p.route_differs) return null;
  const served = p.route;
  if (!served) return 'The route settings changed since this was published; publish again to serve them.';
  if (!current) return `Published with an older route (${describeRoute(served, true)}); publish again to serve the current route settings.`;
  const now = currentServed(current);
  if (now.method === served.method && now.path === served.path && now.require_api_key === served.require_api_key)
    return `Published with older route settings (the response mode, browser origins or run saving changed); publish again to serve the current ones at ${describeRoute(served)}.`;
  const withKey = now.require_api_key !== served.require_api_key;
  return `Published with an older route (${describeRoute(served, withKey)}); publish again to serve ${describeRoute(now, withKey)}.`;
}

export interface StageRouteProps {
  stage: string;
  /** The flow's publication on the stage (undefined: not published there). */
  publication: Publication | undefined;
  /** The flow's route now (null while unknown). */
  current: Route | null;
  /** Publishes the draft to the stage; absent where the action sits elsewhere. */
  onPublish?: (stage: string) => void;
  busy?: boolean;
}

/** The route a stage serves and, when it is an older one, the notice with the publish action. */
export function StageRoute({ stage, publication: p, current, onPublish, busy }: StageRouteProps) {
  // not published there: it serves nothing, which the stage's own line says
  if (!p) return null;
  const notice = routeNotice(p, current);
  return (
    <>
      {p.route ? (
        <div className="ps-served" data-testid={`served-route-${stage}`}>
          <span className="ps-hint">Serves</span> <code className="ps-served-route">{describeRoute(p.route)}</code>
          {p.route.require_api_key ? (
            <span className="ps-chip ps-key-chip" title="Callers send one of the project's API keys">
              API key
            </span>
          ) : null}
        </div>
      ) : (
        <div className="ps-served ps-hint" data-testid={`served-route-${stage}`}>
          The route it serves is not known.
        </div>
      )}
      {notice ? (
        <div className="ps-pub-notice" role="note" data-testid={`route-differs-${stage}`}>
          <span>{notice}</span>
          {onPublish ? (
            <button type="button" className="ps-button ps-small ps-primary" disabled={busy} aria-label={`Publish again to ${stage}`} onClick={() => onPublish(stage)}>
              Publish again
            </button>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
