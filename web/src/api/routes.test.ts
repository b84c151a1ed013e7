import { describe, expect, it } from 'vitest';
import routes from '../fixtures/api-routes.json';
import { type FlowDocument, SCHEMA } from '../model/flow';
import { ApiClient } from './client';

// Every client method must call a route the Go API declares (web/src/fixtures/api-routes.json,
// printed by `go run ./web/tools/apiroutes`): same method, path matching the template.

function templateRE(path: string): RegExp {
  return new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[a-z_]+\\?\}|\{[a-z_]+\}/g, '[^/]+')}$`);
}

const doc: FlowDocument = { schema: SCHEMA, nodes: [], connections: [], groups: [] };

describe('API client paths', () => {
  const calls: { method: string; path: string }[] = [];
  const api = new ApiClient({
    baseUrl: '/api/v1',
    tenant: 'T1',
    retries: 0,
    fetch: (async (url: RequestInfo | URL, init?: RequestInit) => {
      calls.push({ method: init?.method ?? 'GET', path: new URL(String(url), 'http://x').pathname });
      return new Response('{"items":[],"draft":{"document":' + JSON.stringify(doc) + ',"revision":1},"document":' + JSON.stringify(doc) + ',"categories":[]}', {
        status: 200,
      });
    }) as unknown as typeof fetch,
  });

  const P = 'p1';
  const F = 'f1';
  const table: [string, () => Promise<unknown>][] = [
    ['getMe', () => api.me()],
    ['listMyInvitations', () => api.myInvitations()],
    ['acceptMyInvitation', () => api.acceptInvitation('T2')],
    ['declineMyInvitation', () => api.declineInvitation('T2')],
    ['getNodeCatalog', () => api.catalog()],
    ['previewSchedule', () => api.previewSchedule({ cron: '* * * * *' })],
    ['getTenant', () => api.getTenant()],
    ['renameTenant', () => api.renameTenant('x')],
    ['leaveTenant', () => api.leaveTenant()],
    ['listMembers', () => api.listMembers()],
    ['getMember', () => api.getMember('u')],
    ['setMemberRole', () => api.setMemberRole('u', 'editor')],
    ['removeMember', () => api.removeMember('u')],
    ['invite', () => api.invite('a@b.c', 'viewer')],
    ['listInvitations', () => api.listInvitations()],
    ['deleteInvitation', () => api.deleteInvitation('a@b.c')],
    ['getInvitation', () => api.getInvitation('a@b.c')],
    ['listProjects', () => api.listProjects()],
    ['listTrash', () => api.listTrash()],
    ['checkProjectSlug', () => api.checkProjectSlug({ slug: 's' })],
    ['createProject', () => api.createProject({ name: 'n' })],
    ['getProject', () => api.getProject(P)],
    ['updateProject', () => api.updateProject(P, { name: 'n' })],
    ['trashProject', () => api.trashProject(P)],
    ['restoreProject', () => api.restoreProject(P)],
    ['deleteProject', () => api.deleteProjectPermanently(P)],
    ['listStages', () => api.listStages(P)],
    ['getStage', () => api.getStage(P, 'a')],
    ['createStage', () => api.createStage(P, { name: 'prod' })],
    ['renameStage', () => api.renameStage(P, 'a', 'b')],
    ['deleteStage', () => api.deleteStage(P, 'a')],
    ['reorderStages', () => api.reorderStages(P, ['a'])],
    ['setProductionStage', () => api.setProductionStage(P, 'a')],
    ['listFlows', () => api.listFlows(P, 'route')],
    ['createFlow', () => api.createFlow(P, { kind: 'route', name: 'n' })],
    ['getFlow', () => api.getFlow(P, F)],
    ['updateFlow', () => api.updateFlow(P, F, { name: 'n' })],
    ['deleteFlow', () => api.deleteFlow(P, F)],
    ['saveDraft', () => api.saveDraft(P, F, doc, 1)],
    ['validateFlow', () => api.validateFlow(P, F)],
    ['listVersions', () => api.listVersions(P, F)],
    ['createVersion', () => api.createVersion(P, F, 'm')],
    ['getVersion', () => api.getVersion(P, F, 2)],
    ['restoreVersion', () => api.restoreVersion(P, F, 2)],
    ['diffVersions', () => api.diffVersions(P, F, 1, 2)],
    ['publishFlow', () => api.publish(P, F, 'prod')],
    ['unpublishFlow', () => api.unpublish(P, F, 'prod')],
    ['listPublications', () => api.listPublications(P, F)],
    ['getPublishMatrix', () => api.publishMatrix(P)],
    ['getRoute', () => api.getRoute(P, F)],
    ['updateRoute', () => api.putRoute(P, F, { method: 'GET', segments: [] })],
    ['getSchedule', () => api.getSchedule(P, F)],
    ['updateSchedule', () => api.putSchedule(P, F, { cron: '* * * * *' })],
    ['listRuns', () => api.listRuns(P, F)],
    ['startRun', () => api.startRun(P, F, { start: 'n1' })],
    ['getRun', () => api.getRun(P, F, 'r')],
    ['resumeRun', () => api.resumeRun(P, F, 'r', { node: 'n' })],
    ['deleteRun', () => api.deleteRun(P, F, 'r')],
    ['deleteRuns', () => api.deleteRuns(P, F)],
    ['listSecrets', () => api.listSecrets(P)],
    ['getSecret', () => api.getSecret(P, 'K')],
    ['setSecret', () => api.setSecret(P, 'K', 'prod', 'v')],
    ['deleteSecret', () => api.deleteSecret(P, 'K')],
    ['deleteSecretStage', () => api.deleteSecret(P, 'K', 'prod')],
    ['listEnv', () => api.listEnv(P)],
    ['getEnv', () => api.getEnv(P, 'K')],
    ['setEnv', () => api.setEnv(P, 'K', { prod: 'v' })],
    ['setEnvStage', () => api.setEnvStage(P, 'K', 'prod', 'v')],
    ['deleteEnv', () => api.deleteEnv(P, 'K')],
    ['deleteEnvStage', () => api.deleteEnv(P, 'K', 'prod')],
    ['listAPIKeys', () => api.listApiKeys(P)],
    ['getAPIKey', () => api.getApiKey(P, 'k')],
    ['createAPIKey', () => api.createApiKey(P, 'l')],
    ['renameAPIKey', () => api.renameApiKey(P, 'k', 'l')],
    ['deleteAPIKey', () => api.deleteApiKey(P, 'k')],
    ['exportFlows', () => api.exportFlows(P)],
    ['previewImport', () => api.previewImport(P, { format: 'polysynergy/bundle@1', flows: [] })],
    ['importFlows', () => api.importFlows(P, { bundle: { format: 'polysynergy/bundle@1', flows: [] } })],
  ];

  it.each(table)('%s', async (op, call) => {
    const route = routes.find((r) => r.operationId === op);
    expect(route, `operation ${op} is in the API`).toBeDefined();
    calls.length = 0;
    await call();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.method).toBe(route!.method);
    expect(calls[0]!.path).toMatch(templateRE(route!.path));
  });

  it('lists which API operations the client does not call yet', () => {
    const covered = new Set(table.map(([op]) => op));
    const missing = routes.map((r) => r.operationId).filter((op) => !covered.has(op)).sort();
    // the editor needs no health check or OpenAPI document
    expect(missing).toEqual(['getHealth', 'getOpenAPI']);
  });
});
