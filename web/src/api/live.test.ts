import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveSocket, liveProtocols, resolveWsUrl, type RunEvent, type SocketLike } from './live';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  constructor(
    readonly url: string,
    readonly protocols: string[] = [],
  ) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
  receive(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

const ev = (seq: number, extra: Partial<RunEvent> = {}): RunEvent => ({ type: 'node_end', run_id: 'r1', flow_id: 'f1', seq, ...extra });

describe('LiveSocket', () => {
  let sockets: FakeSocket[];
  let live: LiveSocket;
  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    live = new LiveSocket({
      url: 'ws://localhost:8090/ws',
      getToken: () => 'jwt.x',
      createSocket: (u, p) => {
        const s = new FakeSocket(u, p);
        sockets.push(s);
        return s;
      },
      random: () => 1,
      minDelayMs: 100,
      maxDelayMs: 1000,
      pingMs: 60_000,
    });
  });
  afterEach(() => {
    live.stop();
    vi.useRealTimers();
  });

  it('connects with the token and subscribes to flows followed before and after opening', async () => {
    live.subscribe('p1', 'f1', () => {});
    live.start();
    await vi.advanceTimersByTimeAsync(0);
    // the token is offered as a subprotocol, never put in the URL (URLs are logged)
    expect(sockets[0]!.url).toBe('ws://localhost:8090/ws');
    expect(sockets[0]!.protocols).toEqual(['polysynergy.v1', 'bearer.jwt.x']);
    expect(live.status).toBe('connecting');
    sockets[0]!.open();
    expect(live.status).toBe('open');
    live.subscribe('p1', 'f2', () => {});
    expect(sockets[0]!.sent).toEqual([
      { action: 'subscribe', project: 'p1', flow: 'f1' },
      { action: 'subscribe', project: 'p1', flow: 'f2' },
    ]);
  });

  it('offers the token current at each (re)connect, and none when there is none', async () => {
    const tokens = ['a.b.c', 'd.e.f', null];
    live = new LiveSocket({
      url: 'ws://localhost:8090/ws?x=1',
      getToken: async () => tokens.shift(),
      createSocket: (u, p) => {
        const s = new FakeSocket(u, p);
        sockets.push(s);
        return s;
      },
      random: () => 1,
      minDelayMs: 100,
    });
    live.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.drop();
    await vi.advanceTimersByTimeAsync(100);
    sockets[1]!.drop();
    await vi.advanceTimersByTimeAsync(200);
    expect(sockets.map((s) => s.url)).toEqual(['ws://localhost:8090/ws?x=1', 'ws://localhost:8090/ws?x=1', 'ws://localhost:8090/ws?x=1']);
    expect(sockets.map((s) => s.protocols)).toEqual([['polysynergy.v1', 'bearer.a.b.c'], ['polysynergy.v1', 'bearer.d.e.f'], ['polysynergy.v1']]);
  });

  it('tries again later when the socket cannot be made (a token that is no valid subprotocol)', async () => {
    let calls = 0;
    live = new LiveSocket({
      url: 'ws://h/ws',
      getToken: () => (calls === 0 ? 'bad token' : 'good.token.x'),
      createSocket: (u, p) => {
        calls++;
        if (p.some((x) => x.includes(' '))) throw new SyntaxError('The subprotocol is invalid.');
        const s = new FakeSocket(u, p);
        sockets.push(s);
        return s;
      },
      random: () => 1,
      minDelayMs: 100,
    });
    live.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(live.status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets[0]!.protocols).toEqual(['polysynergy.v1', 'bearer.good.token.x']);
    sockets[0]!.open();
    expect(live.status).toBe('open');
  });

  it('opens a browser WebSocket offering the subprotocols by default', async () => {
    const made: unknown[][] = [];
    vi.stubGlobal(
      'WebSocket',
      class {
        readyState = 0;
        onopen = null;
        onclose = null;
        onerror = null;
        onmessage = null;
        constructor(...args: unknown[]) {
          made.push(args);
        }
        send() {}
        close() {}
      },
    );
    try {
      live = new LiveSocket({ url: 'wss://live.example.com/live', getToken: () => 'h.p.s' });
      live.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(made).toEqual([['wss://live.example.com/live', ['polysynergy.v1', 'bearer.h.p.s']]]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('reconnects with growing delays and subscribes again', async () => {
    const got: number[] = [];
    live.subscribe('p1', 'f1', (e) => got.push(e.seq));
    live.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.open();
    sockets[0]!.drop();
    expect(live.status).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(99);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);
    sockets[1]!.drop(); // failed again before opening: the next wait is longer
    await vi.advanceTimersByTimeAsync(199);
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(3);
    sockets[2]!.open();
    expect(sockets[2]!.sent).toEqual([{ action: 'subscribe', project: 'p1', flow: 'f1' }]);
    sockets[2]!.receive(ev(1));
    expect(got).toEqual([1]);
  });

  it('tells a listener each time its subscription is sent: on opening, at once when open, after each reconnect', async () => {
    const told: string[] = [];
    const off1 = live.subscribe('p1', 'f1', () => {}, { onSubscribed: () => told.push('f1') });
    live.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toEqual([]); // not sent before the connection opens
    sockets[0]!.open();
    expect(told).toEqual(['f1']);
    // sent at once while open; a second listener of a flow already subscribed is told at once
    live.subscribe('p1', 'f2', () => {}, { onSubscribed: () => told.push('f2') });
    live.subscribe('p1', 'f1', () => {}, { onSubscribed: () => told.push('f1 again') });
    live.subscribe('p1', 'f1', () => {}); // no callback: nothing to tell
    expect(told).toEqual(['f1', 'f2', 'f1 again']);
    // dropped: nothing while reconnecting, then every flow again once resubscribed
    sockets[0]!.drop();
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets).toHaveLength(2);
    live.subscribe('p1', 'f3', () => {}, { onSubscribed: () => told.push('f3') });
    expect(told).toEqual(['f1', 'f2', 'f1 again']);
    off1();
    sockets[1]!.open();
    expect(sockets[1]!.sent).toEqual([
      { action: 'subscribe', project: 'p1', flow: 'f1' },
      { action: 'subscribe', project: 'p1', flow: 'f2' },
      { action: 'subscribe', project: 'p1', flow: 'f3' },
    ]);
    // the listener that left is not told
    expect(told).toEqual(['f1', 'f2', 'f1 again', 'f1 again', 'f2', 'f3']);
    // stopped and started again: told once more
    live.stop();
    live.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(told).toHaveLength(6);
    sockets[2]!.open();
    expect(told.slice(6)).toEqual(['f1 again', 'f2', 'f3']);
  });

  it('delivers each event once to the listeners of its flow, out of order too', async () => {
    const f1: number[] = [];
    const f2: number[] = [];
    live.subscribe('p1', 'f1', (e) => f1.push(e.seq));
    live.subscribe('p1', 'f2', (e) => f2.push(e.seq));
    live.start();
    await vi.advanceTimersByTimeAsync(0);
    const s = sockets[0]!;
    s.open();
    s.receive(ev(2));
    s.receive(ev(1));
    s.receive(ev(2));
    s.receive([ev(3), ev(1, { run_id: 'r2', flow_id: 'f2' })]);
    s.receive({ type: 'pong' });
    s.onmessage?.({ data: 'not json' });
    expect(f1).toEqual([2, 1, 3]);
    expect(f2).toEqual([1]);
  });

  it('unsubscribes when the last listener of a flow leaves', async () => {
    live.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.open();
    const off1 = live.subscribe('p1', 'f1', () => {});
    const off2 = live.subscribe('p1', 'f1', () => {});
    off1();
    expect(sockets[0]!.sent).toHaveLength(1);
    off2();
    expect(sockets[0]!.sent.at(-1)).toEqual({ action: 'unsubscribe', project: 'p1', flow: 'f1' });
  });

  it('pings while open and stops reconnecting when stopped', async () => {
    live.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.open();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets[0]!.sent).toEqual([{ action: 'ping' }]);
    live.stop();
    expect(live.status).toBe('stopped');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sockets).toHaveLength(1);
  });
});

describe('LiveSocket with a tenant', () => {
  it('names the tenant in subscriptions', () => {
    const sent: unknown[] = [];
    const s = new FakeSocket('x');
    s.send = (d: string) => void sent.push(JSON.parse(d));
    const live = new LiveSocket({ url: 'ws://h/ws', tenant: 't1', createSocket: () => s });
    live.start();
    return Promise.resolve().then(async () => {
      await new Promise((r) => setTimeout(r, 0));
      s.open();
      live.subscribe('p', 'f', () => {});
      expect(sent).toEqual([{ action: 'subscribe', tenant: 't1', project: 'p', flow: 'f' }]);
      live.stop();
    });
  });
});

describe('liveProtocols', () => {
  it('offers polysynergy.v1 and the token behind bearer.', () => {
    expect(liveProtocols('h.p.s')).toEqual(['polysynergy.v1', 'bearer.h.p.s']);
    expect(liveProtocols('')).toEqual(['polysynergy.v1']);
    expect(liveProtocols(undefined)).toEqual(['polysynergy.v1']);
  });
});

describe('resolveWsUrl', () => {
  it('makes configured paths absolute ws(s) URLs', () => {
    expect(resolveWsUrl('/ws', 'https://editor.example.com/p/1')).toBe('wss://editor.example.com/ws');
    expect(resolveWsUrl('/ws', 'http://localhost:8090/')).toBe('ws://localhost:8090/ws');
    expect(resolveWsUrl('wss://abc.execute-api.eu-west-1.amazonaws.com/live', 'https://x')).toBe('wss://abc.execute-api.eu-west-1.amazonaws.com/live');
  });
});
