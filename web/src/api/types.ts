// Shapes of the REST API's resources (/api/v1). They follow shared/store's entities; when the
// OpenAPI document (/api/v1/openapi.json) lands, regenerate or adjust them here — nothing
// outside src/api depends on the wire format except through these types.

import type { Catalog } from '../model/catalog';
import type { FlowDocument } from '../model/flow';
import type { ServerProblem } from '../model/validate';

export type Role = 'admin' | 'editor' | 'viewer';
export type FlowKind = 'route' | 'schedule' | 'blueprint' | 'service';
export type RunStatus = 'running' | 'success' | 'error' | 'paused' | 'cancelled' | string;
export type RunSaving = 'all' | 'errors' | 'none';

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
  tenant_name: string;
  role: Role;
  since: string;
}

export interface Me {
  sub: string;
  email?: string;
  name?: string;
  memberships: Membership[];
  /** Set on the first sign-in, which creates a personal tenant. */
  created_tenant?: string;
  /** Pending invitations to the person's verified e-mail address; none is taken up until accepted. */
  invitations?: MyInvitation[];
  /** Deprecated: always absent (signing in no longer accepts invitations). */
  claimed?: string[] | null;
}

/** An invitation addressed to the signed-in person (GET /me/invitations). */
export interface MyInvitation {
  tenant: string;
  tenant_name: string;
  role: Role;
  /** The inviting member's subject, and their name and e-mail address when known. */
  invited_by?: string;
  invited_by_name?: string;
  invited_by_email?: string;
  created_at: string;
  expires_at: string;
}

export interface Tenant {
  id: string;
  name: string;
  role: string;
  created_at: string;
  /** The entity tag of what was read: sent back as If-Match by a write on it (412 when it changed since). */
  etag?: string;
}

export interface Member {
  sub: string;
  email?: string;
  role: Role;
  since: string;
  /** The entity tag of what was read: sent back as If-Match by a write on it (412 when it changed since). */
  etag?: string;
}

export interface Project {
  id: string;
  tenant: string;
  name: string;
  slug: string;
  production_stage?: string;
  created_at: string;
  updated_at: string;
  trashed_at?: string;
  /** The entity tag of what was read: sent back as If-Match by a write on it (412 when it changed since). */
  etag?: string;
  /** Whether the project's flows may reach loopback, private, link-local and cloud-metadata addresses (nodes still opt in). */
  allow_private_network?: boolean;
  /** What a role in the user's AWS account must trust for the project's AWS nodes to assume it (their role_arn); GET project only. */
  aws_trust?: AWSTrust;
}

/**
 * The trust a role in the user's AWS account grants the platform for one project. The local
 * cloud has no platform account: only the external ID is given there (the machine's own
 * credentials assume the role).
 */
export interface AWSTrust {
  /** The principal the role's trust policy allows (the platform account's root); absent in the local cloud. */
  principal_arn?: string;
  /** The external ID the platform sends for this project (sts:ExternalId), polysynergy-<tenant>-<project>; flows cannot set it. */
  external_id: string;
  /** The role's trust policy as JSON, ready to paste; only with a principal. */
  trust_policy?: string;
}

/** The answer of the slug check: the slug asked about (or suggested from a name) and whether it is free. */
export interface SlugCheck {
  slug: string;
  available: boolean;
}

export interface Stage {
  name: string;
  position: number;
  production: boolean;
  created_at: string;
  /** The entity tag of what was read: sent back as If-Match by a write on it (412 when it changed since). */
  etag?: string;
  /**
   * The old name of a rename to this name that did not finish (a 503 part way, say): both
   * stages exist; sending the same rename again (PATCH the old one with this name) finishes it.
   */
  renaming_from?: string;
}

/** A publication a stage rename did not carry over to the new name (Go's SkippedBinding). */
export interface SkippedBinding {
  /** Flow id. */
  flow: string;
  /** Flow name. */
  name: string;
  /** The version that was published on the stage. */
  version: number;
  /** Why it was not moved and what to do. */
  reason: string;
}

/** A renamed stage and the publications not moved to its new name (empty when all moved). */
export interface RenamedStage extends Stage {
  skipped: SkippedBinding[];
}

export interface Flow {
  id: string;
  project: string;
  kind: FlowKind;
  name: string;
  run_saving: RunSaving;
  retention: number;
  /** The flow of the project that runs when a published run of this one fails ('' or absent: none). */
  error_flow?: string;
  latest_version: number;
  created_at: string;
  updated_at: string;
}

/** The settings PATCH …/flows/{flow} changes: only the fields present are changed. */
export interface FlowUpdate {
  name?: string;
  run_saving?: RunSaving;
  retention?: number;
  /** Another flow's id, or '' to run none when a published run fails. */
  error_flow?: string;
}

export interface Draft {
  document: FlowDocument;
  revision: number;
  updated_at?: string;
}

/** A flow with its draft (GET flow, POST flows). */
export interface FlowDetail extends Flow {
  draft: Draft;
}

export interface SavedDraft {
  revision: number;
}

export interface ValidationReport {
  valid: boolean;
  problems: ServerProblem[];
  /** What is valid but likely not meant (never makes the draft invalid); [] when none. */
  warnings: ServerProblem[];
  /** The draft revision the server checked. */
  revision?: number;
}

export interface Version {
  number: number;
  hash: string;
  author: string;
  message?: string;
  created_at: string;
}

export interface VersionDetail extends Version {
  document: FlowDocument;
}

export interface Publication {
  stage: string;
  version: number;
  by: string;
  published_at: string;
  /** For a route flow: the route the stage serves (as it was when the flow was published there). */
  route?: ServedRoute;
  /** The flow's route settings (method, path, API key, response mode, CORS, run saving) changed
   * since it was published to this stage: it serves the old ones until published again. */
  route_differs?: boolean;
}

/** A route as a stage serves it. */
export interface ServedRoute {
  method: string;
  /** The path pattern, e.g. /orders/{id:number}. */
  path: string;
  require_api_key: boolean;
}

export interface PublishResult {
  created: boolean;
  publication: Publication;
  version: Version;
  /** What validation warns about in the published document; absent when none. */
  warnings?: ServerProblem[];
}

/** The answer to snapshotting the draft: created is false when it equals the latest. */
export interface CreatedVersion {
  version: Version;
  created: boolean;
}

/** A node named in a diff. */
export interface DiffNodeRef {
  id: string;
  handle: string;
  type: string;
}

/** A node on both sides with what differs (type, handle, values.<port>, position, …). */
export interface DiffNodeChange extends DiffNodeRef {
  fields: string[];
}

/** A connection in a diff; from and to are "node-id.port". */
export interface DiffConnectionRef {
  id?: string;
  from: string;
  to: string;
}

export interface DiffConnectionChange {
  id: string;
  before: DiffConnectionRef;
  after: DiffConnectionRef;
}

/** Two documents of a flow compared (GET …/diff?from=&to=; a side is a number or "draft"). */
export interface FlowDiff {
  from: string;
  to: string;
  same: boolean;
  nodes: { added: DiffNodeRef[]; removed: DiffNodeRef[]; changed: DiffNodeChange[] };
  connections: { added: DiffConnectionRef[]; removed: DiffConnectionRef[]; changed: DiffConnectionChange[] };
}

export interface MatrixCell {
  version: number;
  by: string;
  published_at: string;
  draft_differs: boolean;
  /** A route flow's route settings changed since this publication: publish again to serve them. */
  route_differs?: boolean;
}

export interface MatrixRow {
  flow: string;
  name: string;
  kind: FlowKind;
  latest_version: number;
  draft_changed: boolean;
  stages: Record<string, MatrixCell>;
}

export interface PublishMatrix {
  stages: string[];
  flows: MatrixRow[];
}

export interface Segment {
  kind: 'static' | 'variable';
  value?: string;
  name?: string;
  type?: 'string' | 'number' | 'uuid' | 'any';
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'ANY';

export interface RouteInput {
  method: HttpMethod;
  segments: Segment[];
  require_api_key?: boolean;
  description?: string;
  response_mode?: 'wait' | 'async';
  /** Browser origins allowed to call the route (https://app.example.com, or *). */
  cors_origins?: string[];
}

export interface Route extends RouteInput {
  id: string;
  pattern: string;
  updated_at: string;
}

export interface ScheduleInput {
  cron: string;
  timezone?: string;
  start?: string;
  end?: string;
  enabled?: boolean;
}

export interface Schedule {
  cron: string;
  description: string;
  timezone: string;
  start?: string;
  end?: string;
  enabled: boolean;
  /** Empty when it does not fire: not_firing says why. */
  next_runs: string[];
  /** Why next_runs is empty although the expression has times ahead; absent while it fires. */
  not_firing?: 'disabled' | 'not_published' | 'in_trash';
  /** stage → published version */
  published: Record<string, number>;
  updated_at: string;
}

export interface Run {
  id: string;
  flow: string;
  stage: string;
  version: number;
  trigger: string;
  status: RunStatus;
  started_at: string;
  duration_ms: number;
  error?: string;
  summary?: unknown;
  expires_at: string;
}

export interface NodeResult {
  node: string;
  order: number;
  status: 'success' | 'error' | 'skipped' | 'paused' | string;
  started_at: string;
  duration_ms: number;
  inputs?: unknown;
  outputs?: unknown;
  error?: unknown;
  logs?: unknown;
}

export interface RunDetail extends Run {
  nodes: NodeResult[];
}

export interface StartRunInput {
  /** The node to play from: a trigger or any node (default: the flow's trigger). */
  start?: string;
  input?: unknown;
  /** A stage whose secrets and variables the mock run borrows. */
  sub_stage?: string;
  stage?: string;
  version?: number;
}

export interface StartedRun {
  run_id: string;
  status: string;
}

export interface SecretInfo {
  key: string;
  stages: string[];
  updated_at: string;
  /** The entity tag of what was read: sent back as If-Match by a write on it (412 when it changed since). */
  etag?: string;
}

export interface EnvVar {
  key: string;
  /** stage → value */
  values: Record<string, string>;
  /** The entity tag of what was read: sent back as If-Match by a write on it (412 when it changed since). */
  etag?: string;
}

export interface ApiKey {
  id: string;
  prefix: string;
  label: string;
  created_at: string;
  last_used_at?: string;
  /** The entity tag of what was read: sent back as If-Match by a write on it (412 when it changed since). */
  etag?: string;
}

/** The answer to creating a key: the key itself, shown once. */
export interface NewApiKey extends ApiKey {
  key: string;
}

export type { Catalog };

/** A pending invitation: whoever signs in with the address joins the tenant with the role. */
export interface Invitation {
  email: string;
  role: Role;
  invited_by?: string;
  created_at: string;
  expires_at: string;
  /** The entity tag of what was read: sent back as If-Match when inviting the address again or withdrawing it (412 when it changed since). */
  etag?: string;
}

/** An export of a project's flows (GET …/export), the input of an import. */
export interface Bundle {
  format: 'polysynergy/bundle@1';
  exported_at?: string;
  project?: string;
  flows: BundleFlow[];
}

/** One flow of a bundle: its draft document and settings. */
export interface BundleFlow {
  name: string;
  kind: FlowKind;
  document: unknown;
  run_saving?: RunSaving;
  retention?: number;
  route?: RouteInput;
  schedule?: ScheduleInput;
}

/**
 * One flow of a bundle and what it collides with by name (flow names are unique in a project,
 * compared trimmed and ignoring case): the project's flow (`conflict`) and/or an earlier flow
 * of the bundle (`same_name_as`); and, for a route flow, by route (`route_taken_by`,
 * `same_route_as`).
 */
export interface ImportPreviewItem {
  index: number;
  name: string;
  kind: FlowKind;
  /** The project's flow with the same name. */
  conflict?: Flow;
  /** The index of an earlier flow of the bundle with the same name: one of the two needs rename or skip. */
  same_name_as?: number;
  /** A free name for action rename (set for items that collide). */
  suggested_name?: string;
  /**
   * The project's route flow (other than `conflict`) that has this route flow's method and path:
   * the import is refused with 409 route-taken unless this flow is skipped (or is an overwrite
   * that keeps its flow's route, or another bundle flow overwrites that flow with a route).
   */
  route_taken_by?: Flow;
  /** The index of an earlier route flow of the bundle with the same method and path: the import is refused with 409 route-taken unless one of the two is skipped. */
  same_route_as?: number;
}

export interface ImportPreview {
  items: ImportPreviewItem[];
}

export type ImportAction = 'create' | 'skip' | 'rename' | 'overwrite';

/** What to do with one flow of the bundle (flows that collide by name need one). */
export interface ImportChoice {
  index: number;
  action: ImportAction;
  /** The new name for rename (a free one is chosen when absent). */
  name?: string;
}

export interface ImportedItem {
  index: number;
  action: ImportAction;
  /** The created or overwritten flow. */
  flow?: string;
  name: string;
}

export interface ImportResult {
  items: ImportedItem[];
}
