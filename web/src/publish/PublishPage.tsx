// /p/{project}/publish: the publish matrix as its own page of the signed-in shell, with the
// way back to the project.

import { useEffect, useState } from 'react';
import { useShell } from '../shell/context';
import { navigate } from '../shell/router';
import { routePath } from '../shell/routes';
import { PublishMatrixScreen } from './PublishMatrix';

export function PublishPage({ project }: { project: string }) {
  const { api, tenant, role } = useShell();
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.getProject(project).then(
      (p) => live && setName(p.name),
      () => live && setName(project),
    );
    return () => {
      live = false;
    };
  }, [api, project, tenant]);
  const go = (path: string) => (e: React.MouseEvent) => {
    e.preventDefault();
    navigate(path);
  };
  return (
    <div style={{ height: '100%', display: 'flex', flexDirection: 'column' }}>
      <nav className="ps-row" aria-label="Breadcrumb" style={{ padding: '8px 20px 0' }}>
        <a className="ps-link" href="/" onClick={go('/')}>
          Projects
        </a>
        /
        <a className="ps-link" href={routePath({ name: 'project', project })} onClick={go(routePath({ name: 'project', project }))}>
          {name ?? '…'}
        </a>
        / <strong>Publishing</strong>
      </nav>
      <div style={{ flex: 1, minHeight: 0 }}>
        <PublishMatrixScreen
          api={api}
          project={project}
          flowHref={(flow) => routePath({ name: 'flow', project, flow })}
          onOpenFlow={(flow) => navigate(routePath({ name: 'flow', project, flow }))}
          readOnly={role === 'viewer'}
        />
      </div>
    </div>
  );
}
