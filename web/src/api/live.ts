// The one WebSocket the editor keeps open for live runs: it connects with the session's
// token, reconnects with backoff when the connection drops, subscribes again to every flow
// it was following, and delivers each event once (by run and seq).
//
// The token travels in the handshake's Sec-WebSocket-Protocol header, as the subprotocol
// "bearer.<token>" offered beside "polysynergy.v1" (the one the server selects), never in the
// URL: URLs end up in console errors and in proxy and API Gateway logs (shared/live).

/** A run event, as the engine emits it (shared/engine.Event). */
export interface RunEvent {
  type: 'run_start' | 'node_start' | 'node_end' | 'node_log' | 'run_end' | 'run_paused' | 'stream' | string;
  run_id: string;
  flow_id: string;
  seq: number;
  time?: string;
  node?: string;
  node_id?: string;
  node_type?: string;
  order?: number;
  status?: string;
  iteration?: number[];
  data?: unknown;
}

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'stopped';

/** The part of the browser's WebSocket this client uses (a fake stands in for tests). */
export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Opens a socket offering these subprotocols, as `new WebSocket(url, protocols)`. */
export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

/** The API's subprotocol: the server selects it when it accepts the connection. */
export const LIVE_PROTOCOL = 'polysynergy.v1';
/** Prefixes the access token among the offered subprotocols. */
export const BEARER_PREFIX = 'bearer.';

/** The subprotocols offered to connect with token (just LIVE_PROTOCOL without one). */
export function liveProtocols(token: string | null | undefined): string[] {
  return token ? [LIVE_PROTOCOL, BEARER_PREFIX + token] : [LIVE_PROTOCOL];
}

export interface LiveSocketOptions {
  /** ws:// or wss:// URL of the WebSocket API. */
  url: string;
  /** Sent with subscriptions so the server need not guess the tenant. */
  tenant?: string;
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  createSocket?: SocketFactory;
  /** First reconnect delay; it doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** How often to ping so idle gateways keep the connection (API Gateway closes after 10 min). */
  pingMs?: number;
  random?: () => number;
  timers?: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout; setInterval: typeof setInterval; clearInterval: typeof clearInterval };
}

type Listener = (e: RunEvent) => void;

export interface SubscribeOptions {
  /**
   * Called each time the flow's subscription reaches the server: when it is sent (at once, or
   * once the connection opens) and again after every reconnect. A listener joining a flow
   * already subscribed is told at once.
   */
  onSubscribed?: () => void;
}

/**
 * How long after a flow is (re)subscribed its run events may still not come: the routers cache
 * each flow's subscribers for up to two seconds (shared/live/publish/runs.go: SubscriberTTL 1 s,
 * answered stale up to 2 TTLs), so a run that ends in that window sends the new subscriber
 * nothing. Once it has passed, the editor reads its run history again to catch those runs up.
 */
export const SUBSCRIBE_SETTLE_MS = 2500;

const OPEN = 1;

/** Turns a configured URL ("/ws", "wss://…") into an absolute ws(s) URL. */
export function resolveWsUrl(configured: string, base: string): string {
  const u = new URL(configured, base);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  return u.toString();
}

export class LiveSocket {
  private socket: SocketLike | null = null;
  private status_: LiveStatus = 'idle';
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  // sent: the subscription went out on the current connection
  private readonly subs = new Map<string, { project: string; flow: string; listeners: Set<Listener>; notify: Set<() => void>; sent: boolean }>();
  private readonly seen = new Map<string, Set<number>>();
  private readonly statusListeners = new Set<(s: LiveStatus) => void>();
  private readonly o: Required<Omit<LiveSocketOptions, 'getToken' | 'tenant'>> & Pick<LiveSocketOptions, 'getToken' | 'tenant'>;

  constructor(opts: LiveSocketOptions) {
    this.o = {
      createSocket: (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike,
      minDelayMs: 500,
      maxDelayMs: 30000,
      pingMs: 4 * 60 * 1000,
      random: Math.random,
      // bound: browsers refuse window.setTimeout called on another object ("Illegal invocation")
      timers: {
        setTimeout: globalThis.setTimeout.bind(globalThis),
        clearTimeout: globalThis.clearTimeout.bind(globalThis),
        setInterval: globalThis.setInterval.bind(globalThis),
        clearInterval: globalThis.clearInterval.bind(globalThis),
      },
      ...opts,
    };
  }

  get status(): LiveStatus {
    return this.status_;
  }

  onStatus(f: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(f);
    return () => this.statusListeners.delete(f);
  }

  /** Opens the connection (again, after stop). */
  start(): void {
    if (this.status_ === 'connecting' || this.status_ === 'open') return;
    this.attempt = 0;
    void this.connect();
  }

  /** Closes the connection and stops reconnecting; subscriptions are kept for a later start. */
  stop(): void {
    this.setStatus('stopped');
    if (this.reconnectTimer) this.o.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopPing();
    const s = this.socket;
    this.socket = null;
    for (const sub of this.subs.values()) sub.sent = false;
    if (s) {
      s.onclose = null;
      s.close(1000, 'bye');
    }
  }

  /** Follows a flow's run events; returns the function that stops following. */
  subscribe(project: string, flow: string, f: Listener, opts: SubscribeOptions = {}): () => void {
    const key = `${project}\u0000${flow}`;
    let sub = this.subs.get(key);
    if (!sub) {
      sub = { project, flow, listeners: new Set(), notify: new Set(), sent: false };
      this.subs.set(key, sub);
      sub.sent = this.send(this.subMsg('subscribe', project, flow));
    }
    sub.listeners.add(f);
    // a function of its own, so the same callback given twice is told (and removed) per listener
    const told = opts.onSubscribed ? () => opts.onSubscribed?.() : null;
    if (told) {
      sub.notify.add(told);
      if (sub.sent) told();
    }
    return () => {
      const s = this.subs.get(key);
      if (!s) return;
      s.listeners.delete(f);
      if (told) s.notify.delete(told);
      if (s.listeners.size === 0) {
        this.subs.delete(key);
        this.send(this.subMsg('unsubscribe', project, flow));
      }
    };
  }

  private subMsg(action: 'subscribe' | 'unsubscribe', project: string, flow: string) {
    return this.o.tenant ? { action, tenant: this.o.tenant, project, flow } : { action, project, flow };
  }

  private setStatus(s: LiveStatus) {
    if (this.status_ === s) return;
    this.status_ = s;
    for (const f of this.statusListeners) f(s);
  }

  private send(msg: object): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(msg));
    return true;
  }

  private async connect(): Promise<void> {
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const token = await this.o.getToken?.();
    if (this.status_ === 'stopped') return;
    let s: SocketLike;
    try {
      // the token as a subprotocol, not in the URL (see the top of this file); a token that
      // is not a valid subprotocol name makes the constructor throw: try again later
      s = this.o.createSocket(this.o.url, liveProtocols(token));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = s;
    s.onopen = () => {
      if (this.socket !== s) return;
      this.attempt = 0;
      this.setStatus('open');
      for (const sub of this.subs.values()) sub.sent = this.send(this.subMsg('subscribe', sub.project, sub.flow));
      this.startPing();
      // those following a flow learn it was subscribed (again): see SUBSCRIBE_SETTLE_MS
      for (const sub of [...this.subs.values()]) if (sub.sent) for (const f of [...sub.notify]) f();
    };
    s.onmessage = (ev) => this.deliver(ev.data);
    s.onerror = () => {
      /* onclose follows */
    };
    s.onclose = () => {
      if (this.socket !== s) return;
      this.socket = null;
      this.stopPing();
      for (const sub of this.subs.values()) sub.sent = false;
      if (this.status_ !== 'stopped') this.scheduleReconnect();
    };
  }

  private scheduleReconnect() {
    this.setStatus('reconnecting');
    const base = Math.min(this.o.maxDelayMs, this.o.minDelayMs * 2 ** this.attempt);
    const delay = Math.round(base / 2 + (this.o.random() * base) / 2);
    this.attempt++;
    this.reconnectTimer = this.o.timers.setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private startPing() {
    this.stopPing();
    this.pingTimer = this.o.timers.setInterval(() => this.send({ action: 'ping' }), this.o.pingMs);
  }

  private stopPing() {
    if (this.pingTimer) this.o.timers.clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private deliver(data: unknown) {
    if (typeof data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    const list = Array.isArray(msg) ? msg : [msg];
    for (const m of list) {
      if (!m || typeof m !== 'object') continue;
      const e = m as RunEvent;
      if (typeof e.run_id !== 'string' || typeof e.flow_id !== 'string' || typeof e.seq !== 'number') continue;
      // events may arrive out of order (the fan-out posts in parallel) or twice (after a
      // reconnect): deliver each (run, seq) once
      let seen = this.seen.get(e.run_id);
      if (!seen) {
        seen = new Set();
        this.seen.set(e.run_id, seen);
        if (this.seen.size > 50) this.seen.delete(this.seen.keys().next().value!);
      }
      if (seen.has(e.seq)) continue;
      seen.add(e.seq);
      for (const sub of this.subs.values()) {
        if (sub.flow !== e.flow_id) continue;
        for (const f of sub.listeners) f(e);
      }
    }
  }
}
