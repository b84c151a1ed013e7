// Tabs of open flows, remembered per project in the browser (localStorage), so coming back
// to a project opens what was open.

/** The part of Storage the tab memory uses. */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface Tabs {
  open: string[];
  active: string | null;
}

const MAX_TABS = 12;

export class TabMemory {
  constructor(
    private readonly store: KeyValue,
    private readonly prefix = 'ps.tabs.',
  ) {}

  private key(project: string) {
    return this.prefix + project;
  }

  /** The remembered tabs of a project (empty when none or damaged). */
  get(project: string): Tabs {
    try {
      const raw = this.store.getItem(this.key(project));
      if (!raw) return { open: [], active: null };
      const v = JSON.parse(raw) as unknown;
      if (!v || typeof v !== 'object') return { open: [], active: null };
      const r = v as Record<string, unknown>;
      const open = Array.isArray(r.open) ? r.open.filter((x): x is string => typeof x === 'string' && x !== '') : [];
      const active = typeof r.active === 'string' && open.includes(r.active) ? r.active : (open[open.length - 1] ?? null);
      return { open: [...new Set(open)], active };
    } catch {
      return { open: [], active: null };
    }
  }

  private put(project: string, t: Tabs): Tabs {
    try {
      this.store.setItem(this.key(project), JSON.stringify(t));
    } catch {
      /* storage full or blocked: tabs are a convenience */
    }
    return t;
  }

  /** Opens (or activates) a flow's tab; the oldest tab goes when there are too many. */
  open(project: string, flow: string): Tabs {
    const t = this.get(project);
    let open = t.open.includes(flow) ? t.open : [...t.open, flow];
    if (open.length > MAX_TABS) open = open.slice(open.length - MAX_TABS);
    return this.put(project, { open, active: flow });
  }

  /** Closes a tab; the neighbour becomes active when it was the active one. */
  close(project: string, flow: string): Tabs {
    const t = this.get(project);
    const i = t.open.indexOf(flow);
    if (i < 0) return t;
    const open = t.open.filter((f) => f !== flow);
    const active = t.active === flow ? (open[Math.min(i, open.length - 1)] ?? null) : t.active;
    return this.put(project, { open, active });
  }

  /** Drops tabs of flows that no longer exist. */
  retain(project: string, existing: ReadonlySet<string>): Tabs {
    const t = this.get(project);
    const open = t.open.filter((f) => existing.has(f));
    if (open.length === t.open.length) return t;
    const active = t.active && existing.has(t.active) ? t.active : (open[open.length - 1] ?? null);
    return this.put(project, { open, active });
  }
}
