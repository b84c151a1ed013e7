// The settings area of a project shell: the left panel's entries (general, secrets, environment
// variables, stages, API keys, members, export / import) and the screen the URL names. Members
// belong to the workspace; they are reachable from every project and from the top bar.

import type { Project, Role } from '../api/types';
import { useShell } from '../shell/context';
import { navigate } from '../shell/router';
import { routePath, SETTINGS_SECTIONS, type SettingsSection } from '../shell/routes';
import { ApiKeysScreen } from './ApiKeysScreen';
import { BundlesScreen } from './BundlesScreen';
import { EnvScreen } from './EnvScreen';
import { GeneralScreen } from './GeneralScreen';
import { MembersScreen } from './MembersScreen';
import { SecretsScreen } from './SecretsScreen';
import { StagesScreen } from './StagesScreen';
import './manage.css';

export const SECTION_TITLES: Record<SettingsSection, string> = {
  general: 'General',
  secrets: 'Secrets',
  env: 'Environment variables',
  stages: 'Stages',
  'api-keys': 'API keys',
  members: 'Members',
  export: 'Export / import',
};

/** The left panel's settings entries, each a link to its screen. */
export function SettingsNav({ project, active }: { project: string; active: SettingsSection | null }) {
  return (
    <section className="ps-side-section ps-m-side-settings" aria-label="Settings">
      <h2>Settings</h2>
      <ul>
        {SETTINGS_SECTIONS.map((section) => {
          const href = routePath({ name: 'settings', project, section });
          return (
            <li key={section}>
              <a
                href={href}
                className={`ps-side-item${section === active ? ' active' : ''}`}
                aria-current={section === active ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(href);
                }}
              >
                {SECTION_TITLES[section]}
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/**
 * The screen of one settings section, acting with the shell's client and the member's role.
 * onProjectChanged hears the project after a rename, slug or network change.
 */
export function SettingsScreen({
  project,
  section,
  onFlowsChanged,
  onProjectChanged,
}: {
  project: string;
  section: SettingsSection;
  onFlowsChanged?: () => void;
  onProjectChanged?: (p: Project) => void;
}) {
  const { api, role, sub, tenantName, triggerUrl } = useShell();
  const r: Role | null = role ?? null;
  switch (section) {
    case 'general':
      return <GeneralScreen api={api} project={project} role={r} triggerPattern={triggerUrl} {...(onProjectChanged ? { onChanged: onProjectChanged } : {})} />;
    case 'secrets':
      return <SecretsScreen api={api} project={project} role={r} />;
    case 'env':
      return <EnvScreen api={api} project={project} role={r} />;
    case 'stages':
      return <StagesScreen api={api} project={project} role={r} />;
    case 'api-keys':
      return <ApiKeysScreen api={api} project={project} role={r} />;
    case 'members':
      return <MembersScreen api={api} role={r} {...(sub ? { me: sub } : {})} {...(tenantName ? { workspace: tenantName } : {})} />;
    case 'export':
      return <BundlesScreen api={api} project={project} role={r} {...(onFlowsChanged ? { onImported: onFlowsChanged } : {})} />;
  }
}

/** The workspace's members as a page of its own (/members). */
export function MembersPage() {
  const { api, role, sub, tenantName } = useShell();
  return <MembersScreen api={api} role={role ?? null} {...(sub ? { me: sub } : {})} {...(tenantName ? { workspace: tenantName } : {})} />;
}
