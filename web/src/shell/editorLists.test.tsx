// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../api/client';
import type { EnvVar, Flow, SecretInfo } from '../api/types';
import { fakeApi } from '../manage/testkit';
import { flowRow } from '../test/shell';
import { FLOW_PAGE, loadEnvKeys, loadFlowChoices, loadSecretKeys, MAX_FLOW_PAGES, useEditorLists } from './editorLists';

afterEach(cleanup);

const flow = (id: string, name: string, kind: Flow['kind'] = 'route'): Flow => flowRow(id, name, kind);

const secrets: SecretInfo[] = [
  { key: 'STRIPE_KEY', stages: ['mock', 'prod'], updated_at: '' },
  { key: 'DB_URL', stages: ['staging'], updated_at: '' },
  { key: 'API_TOKEN', stages: ['prod'], updated_at: '' },
  { key: 'DB_URL', stages: ['prod'], updated_at: '' },
  { key: 'NOWHERE', stages: [], updated_at: '' },
];
const env: EnvVar[] = [
  { key: 'REGION', values: { mock: 'eu', prod: 'eu-west-1' } },
  { key: 'BASE_URL', values: { prod: 'https://x' } },
];

describe('loading the lists', () => {
  it('offers the secret keys set on any stage, sorted, once each', async () => {
    const { api, calls } = fakeApi({ 'GET /secrets': { status: 200, body: secrets } });
    expect(await loadSecretKeys(api, 'P1')).toEqual(['API_TOKEN', 'DB_URL', 'STRIPE_KEY']);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /secrets']);
  });

  it('offers the variable names, sorted', async () => {
    const { api } = fakeApi({ 'GET /env': { status: 200, body: env } });
    expect(await loadEnvKeys(api, 'P1')).toEqual(['BASE_URL', 'REGION']);
  });

  it('reads the flows page by page with the cursor the API gives', async () => {
    const { api, calls } = fakeApi({
      'GET /flows': [
        { status: 200, body: { items: [flow('F1', 'Checkout'), flow('F2', 'Lookup order', 'service')], next_cursor: 'c1' } },
        { status: 200, body: { items: [flow('F3', 'Nightly', 'schedule')], next_cursor: 'c2' } },
        { status: 200, body: { items: [flow('F3', 'Nightly', 'schedule'), flow('F4', 'Adder', 'service')] } },
      ],
    });
    expect(await loadFlowChoices(api, 'P1')).toEqual([
      { id: 'F1', name: 'Checkout', kind: 'route' },
      { id: 'F2', name: 'Lookup order', kind: 'service' },
      { id: 'F3', name: 'Nightly', kind: 'schedule' },
      { id: 'F4', name: 'Adder', kind: 'service' },
    ]);
    expect(calls.map((c) => [c.path, c.query.get('limit'), c.query.get('cursor'), c.query.get('kind')])).toEqual([
      ['/flows', String(FLOW_PAGE), null, null],
      ['/flows', String(FLOW_PAGE), 'c1', null],
      ['/flows', String(FLOW_PAGE), 'c2', null],
    ]);
  });

  it('stops when the API gives the same cursor again', async () => {
    const { api, calls } = fakeApi({ 'GET /flows': { status: 200, body: { items: [flow('F1', 'Checkout')], next_cursor: 'same' } } });
    expect(await loadFlowChoices(api, 'P1')).toEqual([{ id: 'F1', name: 'Checkout', kind: 'route' }]);
    expect(calls).toHaveLength(2);
  });

  it('reads at most MAX_FLOW_PAGES pages', async () => {
    let n = 0;
    const { api, calls } = fakeApi({ 'GET /flows': () => ({ status: 200, body: { items: [flow(`F${n}`, `Flow ${n}`)], next_cursor: `c${++n}` } }) });
    expect(await loadFlowChoices(api, 'P1')).toHaveLength(MAX_FLOW_PAGES);
    expect(calls).toHaveLength(MAX_FLOW_PAGES);
  });

  it('fails when a page fails (the hook then leaves the list empty)', async () => {
    const { api } = fakeApi({ 'GET /flows': [{ status: 200, body: { items: [flow('F1', 'Checkout')], next_cursor: 'c1' } }, { status: 500, body: { title: 'boom', status: 500 } }] });
    await expect(loadFlowChoices(api, 'P1')).rejects.toThrow();
  });
});

function Show({ api }: { api: ApiClient }) {
  const l = useEditorLists(api, 'P1');
  return (
    <dl>
      <dt>secrets</dt>
      <dd data-testid="secrets">{l.secretKeys.join(',')}</dd>
      <dt>env</dt>
      <dd data-testid="env">{l.envKeys.join(',')}</dd>
      <dt>flows</dt>
      <dd data-testid="flows">{l.flows.map((f) => f.id).join(',')}</dd>
    </dl>
  );
}

describe('useEditorLists', () => {
  it('fills each list from the API', async () => {
    const { api } = fakeApi({
      'GET /secrets': { status: 200, body: secrets },
      'GET /env': { status: 200, body: env },
      'GET /flows': { status: 200, body: { items: [flow('F1', 'Checkout'), flow('F2', 'Adder', 'service')] } },
    });
    render(<Show api={api} />);
    await waitFor(() => expect(screen.getByTestId('flows').textContent).toBe('F1,F2'));
    await waitFor(() => expect(screen.getByTestId('secrets').textContent).toBe('API_TOKEN,DB_URL,STRIPE_KEY'));
    await waitFor(() => expect(screen.getByTestId('env').textContent).toBe('BASE_URL,REGION'));
  });

  it('leaves a list that fails to load empty and fills the others', async () => {
    const { api, calls } = fakeApi({
      'GET /secrets': { status: 403, body: { title: 'Forbidden', status: 403, detail: 'no secret:read' } },
      'GET /env': { status: 200, body: env },
      'GET /flows': { status: 500, body: { title: 'Internal Server Error', status: 500 } },
    });
    render(<Show api={api} />);
    await waitFor(() => expect(screen.getByTestId('env').textContent).toBe('BASE_URL,REGION'));
    await waitFor(() => expect(calls.map((c) => c.path).sort()).toEqual(['/env', '/flows', '/secrets']));
    await act(() => new Promise((r) => setTimeout(r, 20))); // the failed answers are in
    expect(screen.getByTestId('secrets').textContent).toBe('');
    expect(screen.getByTestId('flows').textContent).toBe('');
  });
});
