// The node catalogue: what `polysynergy nodes --json` prints and GET /api/v1/nodes serves.

import type { PortType } from './ports';

/** Editor kinds: which widget edits a port's value (Go's nodes.Edit* constants). */
export type EditorKind =
  | 'text'
  | 'number'
  | 'boolean'
  | 'select'
  | 'secret'
  | 'env'
  | 'flow'
  | 'code'
  | 'json'
  | 'template'
  | 'dict'
  | 'list'
  | 'none';

export interface PortSpec {
  name: string;
  type: PortType | string;
  label?: string;
  doc?: string;
  default?: unknown;
  required?: boolean;
  editor?: EditorKind | string;
  options?: string[];
  templated: boolean;
  multi?: boolean;
  dynamic?: boolean;
  branch?: boolean;
  control?: boolean;
  /** Smallest and largest value a number input takes (validation refuses others). */
  min?: number;
  max?: number;
}

export interface NodeTypeSpec {
  id: string;
  version: number;
  category: string;
  name: string;
  icon?: string;
  doc: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  trigger?: boolean;
  /** A trigger runs enter by (HTTP route, Schedule, Flow input, Tool start): one per flow. */
  one_per_flow?: boolean;
  control?: string;
  service?: string;
}

export interface CatalogCategory {
  name: string;
  types: NodeTypeSpec[];
}

export interface Catalog {
  count: number;
  categories: CatalogCategory[];
}

/** A catalogue indexed for lookups. */
export class CatalogIndex {
  readonly categories: CatalogCategory[];
  private readonly byId = new Map<string, NodeTypeSpec>();

  constructor(catalog: Catalog) {
    this.categories = catalog.categories;
    for (const c of catalog.categories) {
      for (const t of c.types) this.byId.set(t.id, t);
    }
  }

  /** Finds a node type by id. */
  get(id: string): NodeTypeSpec | undefined {
    return this.byId.get(id);
  }

  /** Every type, in catalogue order. */
  all(): NodeTypeSpec[] {
    return this.categories.flatMap((c) => c.types);
  }

  get size(): number {
    return this.byId.size;
  }
}

/** Checks the catalogue's shape, so a server change fails loudly instead of rendering nonsense. */
export function parseCatalog(raw: unknown): Catalog {
  if (!raw || typeof raw !== 'object') throw new Error('catalogue: not an object');
  const r = raw as Record<string, unknown>;
  if (!Array.isArray(r.categories)) throw new Error('catalogue: categories is not a list');
  r.categories.forEach((c: unknown, ci: number) => {
    const cat = c as Record<string, unknown>;
    if (typeof cat?.name !== 'string') throw new Error(`catalogue: categories[${ci}].name is not a string`);
    if (!Array.isArray(cat.types)) throw new Error(`catalogue: categories[${ci}].types is not a list`);
    cat.types.forEach((t: unknown, ti: number) => {
      const ty = t as Record<string, unknown>;
      const at = `catalogue: categories[${ci}].types[${ti}]`;
      if (typeof ty?.id !== 'string') throw new Error(`${at}.id is not a string`);
      if (!Array.isArray(ty.inputs)) throw new Error(`${at}.inputs is not a list`);
      if (!Array.isArray(ty.outputs)) throw new Error(`${at}.outputs is not a list`);
    });
  });
  return { count: typeof r.count === 'number' ? r.count : 0, categories: r.categories as CatalogCategory[] };
}

/** The label to show for a port. */
export function portLabel(p: PortSpec): string {
  return p.label || p.name.replace(/_/g, ' ');
}

/** Whether the port's value can be edited in the inspector. */
export function isEditable(p: PortSpec): boolean {
  return !p.control && (p.editor ?? 'text') !== 'none';
}
