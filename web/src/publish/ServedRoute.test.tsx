// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Publication, Route } from '../api/types';
import { describeRoute, routeNotice, StageRoute } from './ServedRoute';

afterEach(cleanup);

const now: Route = { id: 'r', method: 'POST', segments: [{ kind: 'static', value: 'b' }], require_api_key: false, pattern: '/b', updated_at: '' };
const pub = (over: Partial<Publication> = {}): Publication => ({ stage: 'prod', version: 3, by: 'ann', published_at: '', route: { method: 'GET', path: '/a', require_api_key: false }, ...over });

describe('the route a stage serves', () => {
  it('is described by method and path, with the key requirement when it matters', () => {
    expect(describeRoute({ method: 'GET', path: '/orders/{id:number}', require_api_key: true })).toBe('GET /orders/{id:number}');
    expect(describeRoute({ method: 'GET', path: '/a', require_api_key: true }, true)).toBe('GET /a, API key required');
    expect(describeRoute({ method: 'GET', path: '/a', require_api_key: false }, true)).toBe('GET /a, no API key');
  });

  it('needs no notice while it is the current one', () => {
    expect(routeNotice(pub(), now)).toBeNull();
    expect(routeNotice(pub({ route_differs: false }), null)).toBeNull();
  });

  it('says what is served and what publishing again serves when the route changed', () => {
    expect(routeNotice(pub({ route_differs: true }), now)).toBe('Published with an older route (GET /a); publish again to serve POST /b.');
    // built from the segments when the pattern is missing
    expect(routeNotice(pub({ route_differs: true }), { ...now, pattern: '', segments: [{ kind: 'variable', name: 'id', type: 'number' }] })).toBe(
      'Published with an older route (GET /a); publish again to serve POST /{id:number}.',
    );
    expect(routeNotice(pub({ route_differs: true }), { ...now, method: 'GET', pattern: '/a', require_api_key: true })).toBe(
      'Published with an older route (GET /a, no API key); publish again to serve GET /a, API key required.',
    );
    expect(routeNotice(pub({ route_differs: true }), { ...now, method: 'GET', pattern: '/a' })).toBe(
      'Published with older route settings (the response mode, browser origins or run saving changed); publish again to serve the current ones at GET /a.',
    );
  });

  it('still says it when the current route or the served one is not known', () => {
    expect(routeNotice(pub({ route_differs: true }), null)).toBe('Published with an older route (GET /a, no API key); publish again to serve the current route settings.');
    const { route: _r, ...noRoute } = pub({ route_differs: true });
    expect(routeNotice(noRoute, now)).toBe('The route settings changed since this was published; publish again to serve them.');
  });

  it('shows the route with an API key badge, the notice and its publish action', () => {
    const onPublish = vi.fn();
    render(<StageRoute stage="prod" publication={pub({ route: { method: 'GET', path: '/a', require_api_key: true }, route_differs: true })} current={now} onPublish={onPublish} />);
    expect(screen.getByTestId('served-route-prod').textContent).toBe('Serves GET /aAPI key');
    expect(screen.getByTestId('route-differs-prod').textContent).toContain('Published with an older route (GET /a, API key required); publish again to serve POST /b, no API key.');
    fireEvent.click(screen.getByRole('button', { name: 'Publish again to prod' }));
    expect(onPublish).toHaveBeenCalledWith('prod');
  });

  it('shows nothing for a stage it is not published to, and no action without one', () => {
    const { container } = render(<StageRoute stage="dev" publication={undefined} current={now} />);
    expect(container.textContent).toBe('');
    cleanup();
    render(<StageRoute stage="prod" publication={pub({ route_differs: true })} current={now} />);
    expect(screen.getByTestId('route-differs-prod')).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.queryByText('API key')).toBeNull();
  });
});
