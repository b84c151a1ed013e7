// The flow document (schema polysynergy/flow@1), mirroring Go's shared/flow.Document.
// The Go decoder rejects unknown fields, so everything the editor keeps for itself
// (selection, measured sizes, run states) lives outside these objects.

export const SCHEMA = 'polysynergy/flow@1';

export interface Position {
  x: number;
  y: number;
}

export interface NodeSettings {
  timeout_ms?: number;
  retries?: number;
  backoff_ms?: number;
  on_error?: '' | 'stop' | 'continue';
  concurrency?: number;
}

export type FlowState = '' | 'enabled' | 'disabled';

export interface FlowNode {
  id: string;
  handle: string;
  type: string;
  version?: number;
  values?: Record<string, unknown>;
  position: Position;
  group?: string;
  notes?: string;
  flow_state?: FlowState;
  settings?: NodeSettings;
}

export interface Endpoint {
  node: string;
  port: string;
}

export interface Connection {
  id?: string;
  from: Endpoint;
  to: Endpoint;
}

export interface ExposedPort {
  name: string;
  node: string;
  port: string;
}

export interface Group {
  id: string;
  name: string;
  members: string[];
  inputs?: ExposedPort[];
  outputs?: ExposedPort[];
}

export interface FlowDocument {
  schema: typeof SCHEMA;
  nodes: FlowNode[];
  connections: Connection[];
  groups?: Group[];
  /** The flow's run settings, kept as the document has them. */
  settings?: FlowSettings;
}

/** A flow's run settings (the document's `settings`). */
export interface FlowSettings {
  /** The run's budget of node executions (1 to 100,000; absent: 10,000). */
  max_node_runs?: number;
}

/** A dict port's row: `{key, type, value}`. */
export interface DictRow {
  key: string;
  type?: string;
  value?: unknown;
}

export function emptyDocument(): FlowDocument {
  return { schema: SCHEMA, nodes: [], connections: [], groups: [] };
}

/** A stable key for a connection: Go refuses the same connection twice, so it is unique. */
export function connectionKey(c: Connection): string {
  return `${c.from.node}:${c.from.port}->${c.to.node}:${c.to.port}`;
}

/** An error in a document read from JSON, naming where it is. */
export class DocumentError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path || '/'}: ${message}`);
    this.name = 'DocumentError';
  }
}

const nodeFields = new Set(['id', 'handle', 'type', 'version', 'values', 'position', 'group', 'notes', 'flow_state', 'settings']);
const settingsFields = new Set(['timeout_ms', 'retries', 'backoff_ms', 'on_error', 'concurrency']);
const docFields = new Set(['schema', 'nodes', 'connections', 'groups', 'settings']);
const flowSettingsFields = new Set(['max_node_runs']);
const connFields = new Set(['id', 'from', 'to']);
const groupFields = new Set(['id', 'name', 'members', 'inputs', 'outputs']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkFields(o: Record<string, unknown>, allowed: Set<string>, path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.has(k)) throw new DocumentError(`${path}/${k}`, `unknown field "${k}"`);
  }
}

function str(o: Record<string, unknown>, k: string, path: string, required: boolean): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) {
    if (required) throw new DocumentError(`${path}/${k}`, 'is missing');
    return undefined;
  }
  if (typeof v !== 'string') throw new DocumentError(`${path}/${k}`, 'must be a string');
  return v;
}

function num(o: Record<string, unknown>, k: string, path: string): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new DocumentError(`${path}/${k}`, 'must be a number');
  return v;
}

function endpoint(v: unknown, path: string): Endpoint {
  if (!isObject(v)) throw new DocumentError(path, 'must be an object {node, port}');
  checkFields(v, new Set(['node', 'port']), path);
  return { node: str(v, 'node', path, true)!, port: str(v, 'port', path, true)! };
}

/**
 * Reads a flow document the way Go's flow.Decode does: unknown fields and other schemas are
 * errors naming the JSON pointer. It does not check node types; see validate.ts for that.
 */
export function parseDocument(raw: unknown): FlowDocument {
  if (!isObject(raw)) throw new DocumentError('', 'a flow document is a JSON object');
  checkFields(raw, docFields, '');
  if (raw.schema !== SCHEMA) throw new DocumentError('/schema', `schema is ${JSON.stringify(raw.schema)}; expected "${SCHEMA}"`);
  const nodesRaw = raw.nodes ?? [];
  const connsRaw = raw.connections ?? [];
  const groupsRaw = raw.groups ?? [];
  if (!Array.isArray(nodesRaw)) throw new DocumentError('/nodes', 'must be a list');
  if (!Array.isArray(connsRaw)) throw new DocumentError('/connections', 'must be a list');
  if (!Array.isArray(groupsRaw)) throw new DocumentError('/groups', 'must be a list');
  const nodes = nodesRaw.map((n, i): FlowNode => {
    const path = `/nodes/${i}`;
    if (!isObject(n)) throw new DocumentError(path, 'must be an object');
    checkFields(n, nodeFields, path);
    const pos = n.position;
    if (pos !== undefined && !isObject(pos)) throw new DocumentError(`${path}/position`, 'must be an object {x, y}');
    const node: FlowNode = {
      id: str(n, 'id', path, true)!,
      handle: str(n, 'handle', path, false) ?? '',
      type: str(n, 'type', path, true)!,
      position: { x: pos ? (num(pos, 'x', `${path}/position`) ?? 0) : 0, y: pos ? (num(pos, 'y', `${path}/position`) ?? 0) : 0 },
    };
    const version = num(n, 'version', path);
    if (version !== undefined) node.version = version;
    if (n.values !== undefined && n.values !== null) {
      if (!isObject(n.values)) throw new DocumentError(`${path}/values`, 'must be an object');
      node.values = n.values;
    }
    const group = str(n, 'group', path, false);
    if (group) node.group = group;
    const notes = str(n, 'notes', path, false);
    if (notes) node.notes = notes;
    const state = str(n, 'flow_state', path, false);
    if (state) {
      if (state !== 'enabled' && state !== 'disabled') throw new DocumentError(`${path}/flow_state`, 'must be "enabled" or "disabled"');
      node.flow_state = state;
    }
    if (n.settings !== undefined && n.settings !== null) {
      if (!isObject(n.settings)) throw new DocumentError(`${path}/settings`, 'must be an object');
      checkFields(n.settings, settingsFields, `${path}/settings`);
      const s: NodeSettings = {};
      for (const k of ['timeout_ms', 'retries', 'backoff_ms', 'concurrency'] as const) {
        const v = num(n.settings, k, `${path}/settings`);
        if (v !== undefined) s[k] = v;
      }
      const onErr = str(n.settings, 'on_error', `${path}/settings`, false);
      if (onErr) {
        if (onErr !== 'stop' && onErr !== 'continue') throw new DocumentError(`${path}/settings/on_error`, 'must be "stop" or "continue"');
        s.on_error = onErr;
      }
      node.settings = s;
    }
    return node;
  });
  const connections = connsRaw.map((c, i): Connection => {
    const path = `/connections/${i}`;
    if (!isObject(c)) throw new DocumentError(path, 'must be an object');
    checkFields(c, connFields, path);
    const conn: Connection = { from: endpoint(c.from, `${path}/from`), to: endpoint(c.to, `${path}/to`) };
    const id = str(c, 'id', path, false);
    if (id) conn.id = id;
    return conn;
  });
  const groups = groupsRaw.map((g, i): Group => {
    const path = `/groups/${i}`;
    if (!isObject(g)) throw new DocumentError(path, 'must be an object');
    checkFields(g, groupFields, path);
    if (!Array.isArray(g.members)) throw new DocumentError(`${path}/members`, 'must be a list');
    const group: Group = {
      id: str(g, 'id', path, true)!,
      name: str(g, 'name', path, false) ?? '',
      members: g.members.map((m, j) => {
        if (typeof m !== 'string') throw new DocumentError(`${path}/members/${j}`, 'must be a string');
        return m;
      }),
    };
    for (const side of ['inputs', 'outputs'] as const) {
      const list = g[side];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw new DocumentError(`${path}/${side}`, 'must be a list');
      group[side] = list.map((e, j) => {
        const ep = `${path}/${side}/${j}`;
        if (!isObject(e)) throw new DocumentError(ep, 'must be an object');
        return { name: str(e, 'name', ep, true)!, node: str(e, 'node', ep, true)!, port: str(e, 'port', ep, true)! };
      });
    }
    return group;
  });
  const doc: FlowDocument = { schema: SCHEMA, nodes, connections, groups };
  if (raw.settings !== undefined && raw.settings !== null) {
    if (!isObject(raw.settings)) throw new DocumentError('/settings', 'must be an object');
    checkFields(raw.settings, flowSettingsFields, '/settings');
    const max = num(raw.settings, 'max_node_runs', '/settings');
    if (max !== undefined && !Number.isInteger(max)) throw new DocumentError('/settings/max_node_runs', 'must be a whole number');
    if (max) doc.settings = { max_node_runs: max };
  }
  return doc;
}

/** Whether a settings object has nothing set (Go omits it then). */
function emptySettings(s: NodeSettings | undefined): boolean {
  if (!s) return true;
  return !s.timeout_ms && !s.retries && !s.backoff_ms && !s.on_error && !s.concurrency;
}

/**
 * Returns the document as Go would write it: empty optional fields left out, values with
 * `undefined` dropped. The result is plain JSON.
 */
export function toJSON(doc: FlowDocument): FlowDocument {
  return {
    schema: SCHEMA,
    nodes: doc.nodes.map((n) => {
      const out: FlowNode = { id: n.id, handle: n.handle, type: n.type, position: { x: Math.round(n.position.x), y: Math.round(n.position.y) } };
      if (n.version) out.version = n.version;
      if (n.values) {
        const vals: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(n.values)) if (v !== undefined) vals[k] = v;
        if (Object.keys(vals).length) out.values = vals;
      }
      if (n.group) out.group = n.group;
      if (n.notes) out.notes = n.notes;
      if (n.flow_state) out.flow_state = n.flow_state;
      if (!emptySettings(n.settings)) {
        const s: NodeSettings = {};
        for (const [k, v] of Object.entries(n.settings!)) if (v) (s as Record<string, unknown>)[k] = v;
        out.settings = s;
      }
      return out;
    }),
    connections: doc.connections.map((c) => (c.id ? { id: c.id, from: { ...c.from }, to: { ...c.to } } : { from: { ...c.from }, to: { ...c.to } })),
    groups: (doc.groups ?? []).map((g) => ({ ...g, members: [...g.members] })),
    ...(doc.settings?.max_node_runs ? { settings: { max_node_runs: doc.settings.max_node_runs } } : {}),
  };
}

/** The keys of a dict port's rows in a node's values (rows `[{key}]` or a plain object). */
export function rowKeys(node: FlowNode, port: string): string[] {
  const v = node.values?.[port];
  if (Array.isArray(v)) {
    const keys: string[] = [];
    for (const r of v) {
      if (r && typeof r === 'object' && typeof (r as DictRow).key === 'string' && (r as DictRow).key !== '') keys.push((r as DictRow).key);
    }
    return keys;
  }
  if (v && typeof v === 'object') return Object.keys(v);
  return [];
}

let counter = 0;

/** A new node or group id: short, random and unlikely to collide across browser tabs. */
export function newId(prefix = 'n'): string {
  counter = (counter + 1) % 1296;
  const rand = Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `${prefix}_${Date.now().toString(36).slice(-4)}${counter.toString(36).padStart(2, '0')}${rand}`;
}

/**
 * Whether two documents differ at most in node positions: validation, autocomplete and
 * everything else that ignores the drawing can keep its last answer during a drag.
 */
export function sameButPositions(a: FlowDocument, b: FlowDocument): boolean {
  if (a === b) return true;
  if (a.connections !== b.connections || a.groups !== b.groups || a.settings?.max_node_runs !== b.settings?.max_node_runs || a.nodes.length !== b.nodes.length) return false;
  for (let i = 0; i < a.nodes.length; i++) {
    const x = a.nodes[i]!;
    const y = b.nodes[i]!;
    if (x === y) continue;
    if (
      x.id !== y.id ||
      x.handle !== y.handle ||
      x.type !== y.type ||
      x.version !== y.version ||
      x.values !== y.values ||
      x.group !== y.group ||
      x.notes !== y.notes ||
      x.flow_state !== y.flow_state ||
      x.settings !== y.settings
    ) {
      return false;
    }
  }
  return true;
}
