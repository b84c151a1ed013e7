// What tests of the signed-in app share: the shell's environment over a scripted API, and the
// flow editor of flow F1 of project P1 rendered inside it.
import { render } from '@testing-library/react';
import type { ApiClient } from '../api/client';
import type { LiveSocket } from '../api/live';
import type { FlowDetail } from '../api/types';
import { ShellContext, type ShellEnv } from '../shell/context';
import { FlowEditor, openFlow, type OpenFlow } from '../shell/FlowEditor';
import { catalog } from './fixtures';
import { FakeLive } from './shell';

/** The shell of tenant T1 with a live socket that never sends; role as the member's. */
export function shellEnv(api: ApiClient, role?: ShellEnv['role']): ShellEnv {
  return { api, live: new FakeLive() as unknown as LiveSocket, catalog, tenant: 'T1', signInEpoch: 0, theme: 'light', setTheme: () => undefined, role };
}

/** Opens flow F1 of project P1 through api and renders its editor; title is the toolbar's. */
export async function renderFlowEditor(api: ApiClient, opts: { title: string; role?: ShellEnv['role']; onFlowChanged?: (f: FlowDetail) => void }): Promise<OpenFlow> {
  const open = await openFlow(api, catalog, 'P1', 'F1');
  render(
    <ShellContext.Provider value={shellEnv(api, opts.role)}>
      <FlowEditor project="P1" open={open} title={<strong>{opts.title}</strong>} {...(opts.onFlowChanged ? { onFlowChanged: opts.onFlowChanged } : {})} />
    </ShellContext.Provider>,
  );
  return open;
}
