// @vitest-environment jsdom
// The projects screen offers what the member's role allows, as the API decides it: an admin
// creates, renames and trashes; an editor creates and renames; a viewer only opens projects.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Role } from '../api/types';
import { changed, fakeApi } from '../manage/testkit';
import { shellEnv } from '../test/editor';
import { ShellContext } from './context';
import { ProjectsScreen } from './ProjectsScreen';

afterEach(cleanup);

const project = { id: 'P1', name: 'Shop', slug: 'shop', created_at: '2026-11-01T00:00:00Z', updated_at: '2026-11-01T00:00:00Z' };

async function screenFor(role: Role, items = [project]) {
  const { api, writes } = fakeApi({ 'GET ~/projects': { status: 200, body: { items } }, 'POST /trash': { status: 200, body: { ...project, trashed_at: '2026-11-29T00:00:00Z' } } });
  render(
    <ShellContext.Provider value={shellEnv(api, role)}>
      <ProjectsScreen trash={false} />
    </ShellContext.Provider>,
  );
  const page = screen.getByRole('region', { name: 'Projects' });
  if (items.length) await within(page).findByRole('link', { name: /Shop/ });
  return { page, writes };
}

const button = (page: HTMLElement, name: string) => within(page).queryByRole('button', { name });

describe('the projects screen by role', () => {
  it('lets an admin create, rename and trash projects', async () => {
    const { page } = await screenFor('admin');
    for (const name of ['Create project', 'Rename', 'Move to trash', 'Trash']) expect(button(page, name)).not.toBeNull();
    expect(within(page).queryByRole('note')).toBeNull();
  });

  it('lets an editor create and rename, not trash', async () => {
    const { page } = await screenFor('editor');
    for (const name of ['Create project', 'Rename']) expect(button(page, name)).not.toBeNull();
    for (const name of ['Move to trash', 'Trash']) expect(button(page, name)).toBeNull();
  });

  it('lets a viewer open projects and change nothing', async () => {
    const { page, writes } = await screenFor('viewer');
    for (const name of ['Create project', 'Rename', 'Move to trash', 'Trash']) expect(button(page, name)).toBeNull();
    expect(within(page).getByRole('note').textContent).toMatch(/^You are a viewer in this workspace/);
    expect(within(page).getByRole('link', { name: /Shop/ }).getAttribute('href')).toBe('/p/P1');
    expect(writes()).toEqual([]);
  });

  it('tells a viewer with no projects who creates them', async () => {
    const { page } = await screenFor('viewer', []);
    expect(await within(page).findByText('No projects yet — an editor or admin of this workspace creates them.')).toBeTruthy();
  });
});

describe('moving a project to the trash', () => {
  it('asks first (its routes and schedules stop), and Cancel keeps it', async () => {
    const { page, writes } = await screenFor('admin');
    // one click stopped a project's live routes
    fireEvent.click(button(page, 'Move to trash')!);
    expect(writes()).toEqual([]);
    const ask = within(page).getByRole('group', { name: 'Confirm: Move Shop to the trash' });
    expect(ask.textContent).toContain('Its routes and schedules stop serving until it is restored.');
    expect(document.activeElement).toBe(within(ask).getByRole('button', { name: 'Cancel' }));
    fireEvent.click(within(ask).getByRole('button', { name: 'Cancel' }));
    expect(within(page).queryByRole('group')).toBeNull();
    expect(writes()).toEqual([]);
    fireEvent.click(button(page, 'Move to trash')!);
    fireEvent.click(within(page).getByRole('button', { name: 'Move “Shop” to the trash' }));
    await waitFor(() => expect(within(page).queryByRole('link', { name: /Shop/ })).toBeNull());
    expect(writes().map((w) => `${w.method} ${w.path}`)).toEqual(['POST /trash']);
  });
});

describe('refused trash and restore', () => {
  const gone = { status: 404, body: { title: 'Not Found', status: 404, detail: 'project not found', errors: [{ location: 'path.project', message: 'no such project' }] } };

  it('says why a move to the trash was refused in words, not "path.project: …", and keeps the confirmation', async () => {
    const { api } = fakeApi({ 'GET ~/projects': { status: 200, body: { items: [project] } }, 'POST /trash': gone });
    render(
      <ShellContext.Provider value={shellEnv(api, 'admin')}>
        <ProjectsScreen trash={false} />
      </ShellContext.Provider>,
    );
    const page = screen.getByRole('region', { name: 'Projects' });
    fireEvent.click(await within(page).findByRole('button', { name: 'Move to trash' }));
    fireEvent.click(within(page).getByRole('button', { name: 'Move “Shop” to the trash' }));
    expect((await within(page).findByRole('alert')).textContent).toBe('Project not found');
    expect(within(page).getByRole('group', { name: 'Confirm: Move Shop to the trash' })).toBeTruthy();
  });

  it('says why a restore was refused in words: the project gone, a field by its name, no answer', async () => {
    const trashed = { ...project, trashed_at: '2026-11-29T00:00:00Z' };
    const { api } = fakeApi({
      'GET ~/trash': { status: 200, body: { items: [trashed] } },
      'POST /restore': [
        gone,
        { status: 409, body: { title: 'Conflict', status: 409, detail: 'the slug is used by another project; choose another', errors: [{ location: 'body.slug', message: 'is taken' }] } },
        { status: 403, body: { title: 'Forbidden', status: 403, detail: 'your role does not allow this' } },
        { status: 200, body: project },
      ],
    });
    render(
      <ShellContext.Provider value={shellEnv(api, 'admin')}>
        <ProjectsScreen trash={true} />
      </ShellContext.Provider>,
    );
    const page = screen.getByRole('region', { name: 'Trash' });
    const restore = await within(page).findByRole('button', { name: 'Restore' });
    for (const want of ['Project not found', 'Slug is taken', 'Your role does not allow this']) {
      fireEvent.click(restore);
      await waitFor(() => expect(within(page).getByRole('alert').textContent).toBe(want));
    }
    fireEvent.click(restore);
    await waitFor(() => expect(within(page).queryByRole('alert')).toBeNull());
    expect(within(page).queryByRole('button', { name: 'Restore' })).toBeNull();
  });
});

describe('creating a project', () => {
  it("explains the slug, checks it as typed with the API's rules, and shows the API's field errors at their fields", async () => {
    const { api, writes } = fakeApi({
      'GET ~/projects': { status: 200, body: { items: [] } },
      'POST ~/projects': {
        status: 422,
        body: { title: 'Unprocessable Entity', status: 422, detail: 'invalid', errors: [{ location: 'body.slug', message: 'is taken' }] },
      },
    });
    render(
      <ShellContext.Provider value={shellEnv(api, 'admin')}>
        <ProjectsScreen trash={false} />
      </ShellContext.Provider>,
    );
    const form = await screen.findByRole('form', { name: 'New project' });
    const name = within(form).getByRole('textbox', { name: 'Name' });
    const slug = within(form).getByRole('textbox', { name: 'Slug' });
    // nothing typed: the name is asked for at its field, nothing is sent
    fireEvent.click(within(form).getByRole('button', { name: 'Create project' }));
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(name.getAttribute('aria-describedby')!)?.textContent).toBe('Give the project a name.');
    fireEvent.change(name, { target: { value: 'Shop' } });
    expect(name.getAttribute('aria-invalid')).toBeNull();
    // the slug follows the name and says what it is for
    expect((slug as HTMLInputElement).value).toBe('shop');
    expect(slug.getAttribute('aria-describedby')!.split(' ').map((i) => document.getElementById(i)?.textContent)).toEqual([
      'Names the project in its trigger addresses (shop-{stage}.…): unique, changeable later under General.',
    ]);
    // typed wrong: said at once, and not sent
    fireEvent.change(slug, { target: { value: 'Shop!' } });
    expect(slug.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(slug.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent).toContain('Lowercase letters, digits and hyphens');
    // the hint shows no address made of what cannot be one ("Shop!-{stage}")
    const hints = slug.getAttribute('aria-describedby')!.split(' ').map((i) => document.getElementById(i)?.textContent ?? '');
    expect(hints.join(' ')).not.toContain('Shop!-');
    expect(hints.join(' ')).toContain('(slug-{stage}.…)');
    fireEvent.click(within(form).getByRole('button', { name: 'Create project' }));
    expect(writes()).toEqual([]);
    // the API's refusal of the slug is shown at the slug, not as "body.slug: …" under the form
    fireEvent.change(slug, { target: { value: 'shop' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create project' }));
    await waitFor(() => expect(slug.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(slug.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent).toBe('Slug is taken');
    expect(within(form).queryByRole('alert')).toBeNull();
    expect(writes()).toHaveLength(1);
  });
});

describe('renaming a project', () => {
  it('keeps the form and what was typed when the API refuses the name, saying why at the field; Escape gives up back to Rename', async () => {
    const { api, writes } = fakeApi({
      'GET ~/projects': { status: 200, body: { items: [project] } },
      // the rename reads the project's tag first (the list carries none)
      'GET ': { status: 200, body: project, headers: { ETag: '"t1"' } },
      'PATCH ': [
        { status: 422, body: { title: 'Unprocessable Entity', status: 422, detail: 'invalid', errors: [{ location: 'body.name', message: 'must be at most 100 characters' }] } },
        { status: 200, body: { ...project, name: 'Shop two' } },
      ],
    });
    render(
      <ShellContext.Provider value={shellEnv(api, 'admin')}>
        <ProjectsScreen trash={false} />
      </ShellContext.Provider>,
    );
    const page = screen.getByRole('region', { name: 'Projects' });
    await within(page).findByRole('link', { name: /Shop/ });
    fireEvent.click(within(page).getByRole('button', { name: 'Rename' }));
    const input = within(page).getByRole('textbox', { name: 'Project name' });
    fireEvent.change(input, { target: { value: 'x'.repeat(120) } });
    fireEvent.click(within(page).getByRole('button', { name: 'Save' }));
    // refused: still editing, with the typed name and why (it closed, the typed name lost)
    await waitFor(() => expect(input.getAttribute('aria-invalid')).toBe('true'));
    expect(within(page).getByRole('textbox', { name: 'Project name' })).toBe(input);
    expect((input as HTMLInputElement).value).toBe('x'.repeat(120));
    expect(document.getElementById(input.getAttribute('aria-describedby')!)?.textContent).toBe('Name must be at most 100 characters');
    fireEvent.change(input, { target: { value: 'Shop two' } });
    fireEvent.click(within(page).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(within(page).queryByRole('textbox', { name: 'Project name' })).toBeNull());
    expect(writes().filter((w) => w.method === 'PATCH')).toHaveLength(2);
    // Escape gives up
    fireEvent.click(within(page).getByRole('button', { name: 'Rename' }));
    fireEvent.keyDown(within(page).getByRole('textbox', { name: 'Project name' }), { key: 'Escape' });
    expect(within(page).queryByRole('textbox', { name: 'Project name' })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(within(page).getByRole('button', { name: 'Rename' })));
  });

  it('sends the tag read with If-Match; a 412 keeps the form and what was typed, says so with the name now, and Save again goes over the new tag', async () => {
    const theirs = { ...project, name: 'Shop (theirs)', updated_at: '2026-11-29T00:00:00Z' };
    const { api, writes } = fakeApi({
      'GET ~/projects': { status: 200, body: { items: [project] } },
      // the tag read for the rename, then the project as it is now after the refusal
      'GET ': [
        { status: 200, body: project, headers: { ETag: '"t1"' } },
        { status: 200, body: theirs, headers: { ETag: '"t2"' } },
      ],
      'PATCH ': [changed('"t2"'), { status: 200, body: { ...theirs, name: 'Mine' }, headers: { ETag: '"t3"' } }],
    });
    render(
      <ShellContext.Provider value={shellEnv(api, 'admin')}>
        <ProjectsScreen trash={false} />
      </ShellContext.Provider>,
    );
    const page = screen.getByRole('region', { name: 'Projects' });
    await within(page).findByRole('link', { name: /Shop/ });
    fireEvent.click(within(page).getByRole('button', { name: 'Rename' }));
    const input = within(page).getByRole('textbox', { name: 'Project name' });
    fireEvent.change(input, { target: { value: 'Mine' } });
    fireEvent.click(within(page).getByRole('button', { name: 'Save' }));
    const alert = await within(page).findByRole('alert');
    expect(alert.textContent).toBe('Changed by someone else since you opened it — what it is now is shown. Apply your change again, or discard it. Now: “Shop (theirs)”.');
    expect((within(page).getByRole('textbox', { name: 'Project name' }) as HTMLInputElement).value).toBe('Mine');
    fireEvent.click(within(page).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(within(page).queryByRole('textbox', { name: 'Project name' })).toBeNull());
    expect(within(page).getByRole('link', { name: /Mine/ })).toBeTruthy();
    expect(writes().map((w) => w.ifMatch)).toEqual(['"t1"', '"t2"']);
  });
});
