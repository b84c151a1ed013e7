// Shapes of the REST API's resources (/api/v1). They follow shared/store's entities; when the
// OpenAPI document (/api/v1/openapi.json) lands, regenerate or adjust them here — nothing
// outside src/api depends on the wire format except through these types.

import type { Catalog } from '../model/catalog';
import type { FlowDocument } from '../model/flow';
import type { ServerProblem } from '../model/validate';

export type Role = 'admin' | 'editor' | 'viewer';
export type FlowKind = 'route' | 'schedule' | 'blueprint' | 'service';
export type RunStatus = 'running' | 'success' | 'error' | 'paused' | 'cancelled';

/** A page of a list; pass next_cursor back as `cursor` for the next one. */
export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export interface ListParams {
  limit?: number;
  cursor?: string;
}

export interface Membership {
  tenant: string;
  tenant_name?: string;
  role: Role;
}

export interface Me {
  id: string;
  email: string;
  name?: string;
  memberships: Membership[];
}

export interface Project {
  id: string;
  name: string;
  slug: string;
  production_stage?: string;
  created_at: string;
  updated_at: string;
  trashed_at?: string | null;
}

export interface Stage {
  name: string;
  position: number;
  production: boolean;
  created_at?: string;
}

export interface Flow {
  id: string;
  project: string;
  kind: FlowKind;
  name: string;
  run_saving?: 'all' | 'errors' | 'none';
  retention?: number;
  latest_version: number;
  created_at: string;
  updated_at: string;
}

export interface Draft {
  document: FlowDocument;
  revision: number;
  updated_at?: string;
}

export interface SavedDraft {
  revision: number;
  updated_at?: string;
  /** Problems of the saved document (saving does not refuse an invalid draft). */
  problems?: ServerProblem[];
}

export interface Version {
  version: number;
  hash: string;
  author?: string;
  message?: string;
  created_at: string;
  document?: FlowDocument;
}

export interface Segment {
  kind: 'static' | 'variable';
  value?: string;
  name?: string;
  type?: 'string' | 'number' | 'uuid' | 'any';
}

export interface Route {
  method: string;
  segments: Segment[];
  require_api_key: boolean;
  description?: string;
  response_mode: 'wait' | 'async';
}

export interface Schedule {
  cron: string;
  timezone: string;
  start?: string | null;
  end?: string | null;
  enabled: boolean;
  next?: string[];
}

export interface PublishCell {
  flow: string;
  stage: string;
  version?: number;
  draft_differs?: boolean;
}

export interface Run {
  id: string;
  flow: string;
  stage: string;
  version: number;
  trigger: string;
  status: RunStatus;
  started_at: string;
  duration_ms?: number;
  error?: string;
}

export interface NodeResult {
  node_id: string;
  order: number;
  status: 'success' | 'error' | 'skipped' | 'paused' | 'running';
  started_at?: string;
  duration_ms?: number;
  inputs?: unknown;
  outputs?: unknown;
  error?: unknown;
  logs?: unknown[];
}

export interface RunDetail extends Run {
  nodes: NodeResult[];
}

export interface StartRunInput {
  /** The node to play from: a trigger or any node. */
  start_node: string;
  input?: unknown;
  sub_stage?: string;
}

export interface SecretInfo {
  key: string;
  stages: string[];
}

export interface EnvVar {
  key: string;
  values: Record<string, string>;
}

export interface ApiKey {
  id: string;
  prefix: string;
  label: string;
  created_at: string;
  last_used_at?: string | null;
  /** Only in the answer to create: the key itself, shown once. */
  key?: string;
}

export interface Member {
  user: string;
  email: string;
  name?: string;
  role: Role;
}

export type { Catalog };
