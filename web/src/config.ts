// Runtime configuration: the same build runs locally and in any AWS account, so where the
// API, the WebSocket and the identity provider are is read from /config.json at start-up.

export interface RuntimeConfig {
  /** The REST API root, e.g. "/api/v1" or "https://api.example.com/api/v1". */
  apiUrl: string;
  /** The WebSocket API, e.g. "/ws" or "wss://live.example.com". */
  wsUrl: string;
  /** The OIDC issuer; empty means no sign-in (a local cloud without auth). */
  issuer: string;
  clientId: string;
  /** Optional OIDC scopes (default "openid email profile"). */
  scope?: string;
  /** Where the identity provider sends the browser back (default /auth/callback). */
  redirectPath?: string;
  /** The trigger URL pattern, e.g. "http://{project}-{stage}.localhost:8090". */
  triggerUrl?: string;
  /** True on the local cloud. */
  local?: boolean;
}

/** Checks a parsed /config.json, naming the field that is wrong. */
export function parseConfig(raw: unknown): RuntimeConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('config.json: expected a JSON object');
  const r = raw as Record<string, unknown>;
  const str = (k: string, required: boolean): string => {
    const v = r[k];
    if (v === undefined || v === null || v === '') {
      if (required) throw new Error(`config.json: "${k}" is required`);
      return '';
    }
    if (typeof v !== 'string') throw new Error(`config.json: "${k}" must be a string`);
    return v;
  };
  const cfg: RuntimeConfig = { apiUrl: str('apiUrl', true), wsUrl: str('wsUrl', true), issuer: str('issuer', false), clientId: str('clientId', false) };
  if (cfg.issuer && !cfg.clientId) throw new Error('config.json: "clientId" is required when "issuer" is set');
  const scope = str('scope', false);
  if (scope) cfg.scope = scope;
  const redirectPath = str('redirectPath', false);
  if (redirectPath) {
    if (!redirectPath.startsWith('/')) throw new Error('config.json: "redirectPath" must start with /');
    cfg.redirectPath = redirectPath;
  }
  const triggerUrl = str('triggerUrl', false);
  if (triggerUrl) cfg.triggerUrl = triggerUrl;
  if (r.local !== undefined) {
    if (typeof r.local !== 'boolean') throw new Error('config.json: "local" must be true or false');
    cfg.local = r.local;
  }
  return cfg;
}

/** Loads /config.json (never cached: a deployment may change it without a new build). */
export async function loadConfig(fetchImpl: typeof fetch = fetch, url = '/config.json'): Promise<RuntimeConfig> {
  const res = await fetchImpl(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  let raw: unknown;
  try {
    raw = await res.json();
  } catch {
    throw new Error('config.json: not valid JSON');
  }
  return parseConfig(raw);
}
