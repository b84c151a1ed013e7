// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stage } from '../api/types';
import { StagesScreen, stageNameProblem } from './StagesScreen';
import { changed, fakeApi, invalid } from './testkit';
import { CHANGED_TEXT } from './common';

afterEach(cleanup);

const st = (name: string, position: number, production = false): Stage => ({ name, position, production, created_at: '2026-01-01T00:00:00Z' });
const three = [st('mock', 0), st('staging', 1), st('prod', 2, true)];

describe('stage names', () => {
  it.each([
    ['', 'Give the stage a name.'],
    ['mock', '"mock" is reserved.'],
    ['Prod', 'A lowercase letter'],
    ['my-stage', 'A lowercase letter'],
    ['9a', 'A lowercase letter'],
    ['staging', 'There is already a stage "staging".'],
  ])('%s is refused', (name, want) => {
    expect(stageNameProblem(name, ['mock', 'staging'])).toContain(want);
  });
  it('accepts a good name', () => expect(stageNameProblem('qa2', ['mock'])).toBeNull());
});

describe('StagesScreen', () => {
  it('lists the stages in order with the production badge', async () => {
    const { api } = fakeApi({ 'GET /stages': { status: 200, body: [three[2], three[0], three[1]] } });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    const rows = await screen.findAllByRole('row');
    expect(rows.slice(1).map((r) => within(r).getAllByRole('cell')[1]!.textContent?.trim())).toEqual(['mock (editor runs)', 'staging', 'prod']);
    expect(within(rows[3]!).getByText('Production')).toBeTruthy();
    // mock has no rename, production or delete
    expect(within(rows[1]!).queryByRole('button', { name: /delete/i })).toBeNull();
    expect(within(rows[1]!).queryByRole('button', { name: /Rename|production/ })).toBeNull();
    expect(within(rows[3]!).getByRole('button', { name: 'Unmark prod as production' })).toBeTruthy();
  });

  it('adds a stage, refusing mock before asking and showing the API error on the field', async () => {
    const { api, writes } = fakeApi({
      'GET /stages': { status: 200, body: three },
      'POST /stages': [invalid('name: taken', [{ location: 'body.name', message: 'a stage "qa" exists' }]), { status: 201, body: st('qa', 3) }],
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    const input = await screen.findByLabelText(/Stage name/);
    fireEvent.change(input, { target: { value: 'mock' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add stage' }));
    expect(await screen.findByText('"mock" is reserved.')).toBeTruthy();
    expect(writes()).toHaveLength(0);

    fireEvent.change(input, { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add stage' }));
    expect(await screen.findByText('a stage "qa" exists')).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(writes()[0]).toMatchObject({ method: 'POST', path: '/stages', body: { name: 'qa' } });

    fireEvent.click(screen.getByRole('button', { name: 'Add stage' }));
    await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(5));
    expect(screen.getByText('qa')).toBeTruthy();
    // the stage just added is not "already" there
    expect(screen.queryByText(/There is already/)).toBeNull();
  });

  it('drops "There is already a stage" once that stage is renamed or deleted (the check follows the list)', async () => {
    const { api } = fakeApi({
      'GET /stages': { status: 200, body: three },
      'PATCH /stages/staging': { status: 200, body: { ...st('qa', 1), skipped: [] } },
      'DELETE /stages/prod': { status: 204 },
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    const input = await screen.findByLabelText(/Stage name/);
    const already = (name: string) => screen.queryByText(`There is already a stage "${name}".`);

    fireEvent.change(input, { target: { value: 'staging' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add stage' }));
    expect(already('staging')).not.toBeNull();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Rename stage staging' }));
    fireEvent.change(screen.getByLabelText('New stage name'), { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByRole('button', { name: 'Rename stage qa' });
    expect(already('staging')).toBeNull();
    expect(input.getAttribute('aria-invalid')).toBeNull();
    expect((input as HTMLInputElement).value).toBe('staging');

    fireEvent.change(input, { target: { value: 'prod' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add stage' }));
    expect(already('prod')).not.toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Delete stage prod' }));
    fireEvent.click(within(screen.getByRole('group', { name: 'Confirm: Delete stage prod' })).getByRole('button', { name: 'Delete stage' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Rename stage prod' })).toBeNull());
    expect(already('prod')).toBeNull();
    expect(input.getAttribute('aria-invalid')).toBeNull();
  });

  it('says the naming rule once: as the error when a name breaks it, else as help', async () => {
    const { api } = fakeApi({ 'GET /stages': { status: 200, body: three } });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    const input = await screen.findByLabelText(/Stage name/);
    const rule = () => screen.queryAllByText('A lowercase letter, then up to 31 lowercase letters or digits (no dashes). "mock" is reserved.');
    expect(rule().map((e) => e.className)).toEqual(['ps-hint']);
    expect(document.getElementById(input.getAttribute('aria-describedby')!)).toBe(rule()[0]);
    fireEvent.change(input, { target: { value: 'Bad-Stage' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add stage' }));
    await waitFor(() => expect(input.getAttribute('aria-invalid')).toBe('true'));
    expect(rule()).toHaveLength(1);
    expect(rule()[0]!.className).not.toBe('ps-hint');
    // named by its label only; the error is its description (it was part of the name)
    expect(screen.getByRole('textbox', { name: 'Stage name' })).toBe(input);
    expect(document.getElementById(input.getAttribute('aria-describedby')!)?.textContent).toContain('A lowercase letter');
  });

  it('moves a stage with the keyboard-reachable arrow buttons', async () => {
    const { api, writes } = fakeApi({
      'GET /stages': { status: 200, body: three },
      'PUT /stage-order': { status: 200, body: [st('mock', 0), st('prod', 1, true), st('staging', 2)] },
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    const down = await screen.findByRole('button', { name: 'Move staging down' });
    expect((screen.getByRole('button', { name: 'Move mock up' }) as HTMLButtonElement).disabled).toBe(true);
    down.focus();
    fireEvent.click(down);
    await waitFor(() => expect(writes()).toHaveLength(1));
    expect(writes()[0]).toMatchObject({ method: 'PUT', path: '/stage-order', body: { stages: ['mock', 'prod', 'staging'] } });
    await waitFor(() => expect(screen.getAllByRole('row')[2]!.textContent).toContain('prod'));
    expect(screen.getByRole('status').textContent).toContain('staging moved down');
  });

  it('marks production, renames and deletes after confirming that it unpublishes', async () => {
    const { api, writes } = fakeApi({
      'GET /stages': { status: 200, body: three },
      'PUT /production-stage': { status: 200, body: [st('mock', 0), st('staging', 1, true), st('prod', 2)] },
      'PATCH /stages/staging': { status: 200, body: st('qa', 1, true) },
      'DELETE /stages/prod': { status: 204 },
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    const row = () => screen.getAllByRole('row').find((r) => r.textContent?.includes('staging') || r.textContent?.includes('qa'))!;
    fireEvent.click(await screen.findByRole('button', { name: 'Make staging the production stage' }));
    await waitFor(() => expect(within(row()).getByText('Production')).toBeTruthy());
    expect(writes()[0]).toMatchObject({ method: 'PUT', path: '/production-stage', body: { stage: 'staging' } });

    fireEvent.click(within(row()).getByRole('button', { name: 'Rename stage staging' }));
    fireEvent.change(screen.getByLabelText('New stage name'), { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByText('qa')).toBeTruthy());
    expect(writes()[1]).toMatchObject({ method: 'PATCH', path: '/stages/staging', body: { name: 'qa' } });

    fireEvent.click(screen.getByRole('button', { name: 'Delete stage prod' }));
    const ask = screen.getByRole('group', { name: 'Confirm: Delete stage prod' });
    expect(ask.textContent).toContain('unpublished');
    expect(writes()).toHaveLength(2);
    fireEvent.click(within(ask).getByRole('button', { name: 'Delete stage' }));
    await waitFor(() => expect(screen.queryByText('prod')).toBeNull());
    expect(writes()[2]).toMatchObject({ method: 'DELETE', path: '/stages/prod' });
  });

  it('says which publications a rename did not move, and says nothing when all moved', async () => {
    const reason = 'version 2 has no nodes, so a run of it could not start and every trigger request of it on stage "staging" failed; it is no longer published: add the nodes it should run and publish it to the renamed stage';
    const { api } = fakeApi({
      'GET /stages': { status: 200, body: three },
      'PATCH /stages/staging': { status: 200, body: { ...st('qa', 1), skipped: [{ flow: 'F1', name: 'empty hook', version: 2, reason }] } },
      'PATCH /stages/qa': { status: 200, body: { ...st('qa2', 1), skipped: [] } },
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename stage staging' }));
    fireEvent.change(screen.getByLabelText('New stage name'), { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const notice = await screen.findByTestId('stage-rename-skipped');
    expect(notice.getAttribute('role')).toBe('alert');
    expect(notice.querySelector('p')!.textContent).toBe('Renamed staging to qa; 1 flow published on staging is not published on qa:');
    expect(within(notice).getByRole('listitem').textContent).toBe(`empty hook (version 2): ${reason}`);
    // the stage's row is the stage, not the list of what was skipped
    expect(screen.getAllByRole('row').some((r) => r.textContent?.includes('qa'))).toBe(true);

    // a rename that moved everything says nothing (and the last one's list goes)
    fireEvent.click(screen.getByRole('button', { name: 'Rename stage qa' }));
    fireEvent.change(screen.getByLabelText('New stage name'), { target: { value: 'qa2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('qa2');
    expect(screen.queryByTestId('stage-rename-skipped')).toBeNull();
  });

  it('dismisses the list of what a rename did not move', async () => {
    const { api } = fakeApi({
      'GET /stages': { status: 200, body: three },
      'PATCH /stages/staging': { status: 200, body: { ...st('qa', 1), skipped: [{ flow: 'F1', name: 'a', version: 1, reason: 'r1' }, { flow: 'F2', name: 'b', version: 3, reason: 'r2' }] } },
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename stage staging' }));
    fireEvent.change(screen.getByLabelText('New stage name'), { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const notice = await screen.findByRole('alert', { name: /2 flows published on staging are not published on qa/ });
    expect(within(notice).getAllByRole('listitem').map((l) => l.textContent)).toEqual(['a (version 1): r1', 'b (version 3): r2']);
    fireEvent.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('stage-rename-skipped')).toBeNull();
  });

  it("hands the keyboard back to the stage's Rename button after a rename, a cancel and Escape (not the page's body)", async () => {
    const { api, writes } = fakeApi({
      'GET /stages': { status: 200, body: three },
      'PATCH /stages/staging': [{ status: 409, body: { title: 'Conflict', status: 409, detail: 'a stage "qa" exists' } }, { status: 200, body: { ...st('qa', 1), skipped: [] } }],
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename stage staging' }));
    fireEvent.keyDown(screen.getByLabelText('New stage name'), { key: 'Escape' });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename stage staging' })));

    fireEvent.click(screen.getByRole('button', { name: 'Rename stage staging' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename stage staging' })));

    fireEvent.click(screen.getByRole('button', { name: 'Rename stage staging' }));
    fireEvent.change(screen.getByLabelText('New stage name'), { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    // refused: the form stays, the error is said on the field, Save works again
    expect((await screen.findByText('a stage "qa" exists')).id).toBe(screen.getByLabelText('New stage name').getAttribute('aria-describedby'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename stage qa' })));
    expect(writes()).toHaveLength(2);
  });

  it('cancels a delete with Escape', async () => {
    const { api, writes } = fakeApi({ 'GET /stages': { status: 200, body: three } });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete stage prod' }));
    fireEvent.keyDown(screen.getByRole('group', { name: 'Confirm: Delete stage prod' }), { key: 'Escape' });
    expect(screen.queryByRole('group', { name: /Confirm/ })).toBeNull();
    expect(writes()).toHaveLength(0);
  });

  it('is read-only for editors and viewers', async () => {
    const { api } = fakeApi({ 'GET /stages': { status: 200, body: three } });
    render(<StagesScreen api={api} project="P1" role="editor" />);
    await screen.findByText('staging');
    expect(screen.getByRole('note').textContent).toBe('Only admins can change stages.');
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.queryByRole('form', { name: 'New stage' })).toBeNull();
  });

  it('shows the loading and error states and retries', async () => {
    const { api, calls } = fakeApi({ 'GET /stages': [{ status: 500, body: { title: 'Server error', detail: 'store down' } }, { status: 200, body: three }] });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    expect(screen.getByRole('status').textContent).toContain('Loading stages');
    expect((await screen.findByRole('alert')).textContent).toContain('store down');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('staging')).toBeTruthy();
    expect(calls.filter((c) => c.path === '/stages')).toHaveLength(2);
  });
});

describe("the API's refusal at a stage field", () => {
  it('goes once the name is edited; the client check and the next refusal still show', async () => {
    const { api } = fakeApi({
      'GET /stages': { status: 200, body: three },
      'POST /stages': [invalid('name: taken', [{ location: 'body.name', message: 'a stage "qa" exists' }]), invalid('name: taken', [{ location: 'body.name', message: 'a stage "qb" exists' }])],
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    const input = await screen.findByLabelText(/Stage name/);
    fireEvent.change(input, { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add stage' }));
    expect(await screen.findByText('a stage "qa" exists')).toBeTruthy();
    fireEvent.change(input, { target: { value: 'qab' } });
    expect(screen.queryByText('a stage "qa" exists')).toBeNull();
    expect(input.getAttribute('aria-invalid')).not.toBe('true');
    // the client's own check is as it was: said on submit
    fireEvent.change(input, { target: { value: 'mock' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add stage' }));
    expect(await screen.findByText('"mock" is reserved.')).toBeTruthy();
    fireEvent.change(input, { target: { value: 'qb' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add stage' }));
    expect(await screen.findByText('a stage "qb" exists')).toBeTruthy();
  });

  it("a rename's refusal goes once the new name is edited", async () => {
    const { api } = fakeApi({
      'GET /stages': { status: 200, body: three },
      'PATCH /stages/staging': invalid('name: taken', [{ location: 'body.name', message: 'a stage "qa" exists' }]),
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename stage staging' }));
    const input = screen.getByLabelText('New stage name');
    fireEvent.change(input, { target: { value: 'qa' } });
    fireEvent.click(within(screen.getByRole('form', { name: 'Rename stage staging' })).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('a stage "qa" exists')).toBeTruthy();
    fireEvent.change(input, { target: { value: 'qa2' } });
    expect(screen.queryByText('a stage "qa" exists')).toBeNull();
    expect(input.getAttribute('aria-invalid')).not.toBe('true');
  });

  it('renames and deletes with the etag read as If-Match', async () => {
    const tagged = three.map((x) => ({ ...x, etag: `"${x.name}-1"` }));
    const { api, writes } = fakeApi({
      'GET /stages': { status: 200, body: tagged },
      'PATCH /stages/staging': { status: 200, body: { ...st('qa', 1), etag: '"qa-1"', skipped: [] } },
      'DELETE /stages/qa': { status: 204 },
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename stage staging' }));
    fireEvent.change(screen.getByLabelText('New stage name'), { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Delete stage qa' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete stage' }));
    await waitFor(() => expect(writes()).toHaveLength(2));
    // the renamed stage's own new tag, from the rename's answer
    expect(writes().map((w) => [w.method, w.path, w.ifMatch])).toEqual([
      ['PATCH', '/stages/staging', '"staging-1"'],
      ['DELETE', '/stages/qa', '"qa-1"'],
    ]);
  });

  it('keeps the typed name on a rename refused with 412, says so, reads the list again and saves with the new tag', async () => {
    const { api, writes, calls } = fakeApi({
      'GET /stages': [
        { status: 200, body: three.map((x) => ({ ...x, etag: `"${x.name}-1"` })) },
        { status: 200, body: [st('mock', 0), { ...st('staging', 1, true), etag: '"staging-2"' }, st('prod', 2)] },
      ],
      'PATCH /stages/staging': [changed('"staging-2"'), { status: 200, body: { ...st('qa', 1, true), etag: '"qa-1"', skipped: [] } }],
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename stage staging' }));
    const input = screen.getByLabelText('New stage name') as HTMLInputElement;
    fireEvent.change(input, { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(CHANGED_TEXT)).toBeTruthy();
    expect(input.isConnected).toBe(true);
    expect(input.value).toBe('qa');
    await waitFor(() => expect(document.activeElement).toBe(input));
    // the list was read again: someone made staging the production stage
    await waitFor(() => expect(calls.filter((c) => c.method === 'GET' && c.path === '/stages')).toHaveLength(2));
    const row = screen.getAllByRole('row').find((r) => within(r).queryByLabelText('New stage name'))!;
    expect(within(row).getByText('Production')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('qa');
    expect(writes().map((w) => w.ifMatch)).toEqual(['"staging-1"', '"staging-2"']);
  });

  it('keeps asking on a delete refused with 412 and says so', async () => {
    const { api, writes } = fakeApi({
      'GET /stages': { status: 200, body: three.map((x) => ({ ...x, etag: `"${x.name}-1"` })) },
      'DELETE /stages/staging': changed(),
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete stage staging' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete stage' }));
    expect(await screen.findByText(CHANGED_TEXT)).toBeTruthy();
    expect(writes()).toEqual([expect.objectContaining({ method: 'DELETE', ifMatch: '"staging-1"' })]);
    expect(screen.getAllByRole('row')).toHaveLength(4);
  });

  it('says so on the screen when the stage being renamed was renamed away by someone else (404), and shows the list as it is now', async () => {
    const { api, writes } = fakeApi({
      'GET /stages': [{ status: 200, body: three.map((x) => ({ ...x, etag: '"1"' })) }, { status: 200, body: [st('mock', 0), st('beta', 1), st('prod', 2, true)] }],
      'PATCH /stages/staging': { status: 404, body: { title: 'Not Found', status: 404, detail: 'stage not found' } },
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename stage staging' }));
    fireEvent.change(screen.getByLabelText('New stage name'), { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/staging was renamed or deleted by someone else since you opened it; nothing was changed/)).toBeTruthy();
    expect(screen.getByText('beta')).toBeTruthy();
    expect(screen.queryByLabelText('New stage name')).toBeNull();
    await waitFor(() => expect(document.activeElement?.tagName).toBe('H1'));
    expect(writes()).toHaveLength(1);
  });

  it("marks production with the list's etag; refused with 412 it says so, shows the list as it is now and sends the new tag next", async () => {
    const tagged = (l: Stage[]) => l.map((x) => ({ ...x, etag: `"${x.name}-${x.position}-${x.production}"` }));
    const now = tagged([st('mock', 0), st('prod', 1, true), st('staging', 2)]);
    const { api, writes, calls } = fakeApi({
      'GET /stages': [
        { status: 200, body: tagged(three), headers: { ETag: '"L1"' } },
        { status: 200, body: now, headers: { ETag: '"L2"' } },
      ],
      'PUT /production-stage': [changed('"L2"'), { status: 200, body: tagged([st('mock', 0), st('prod', 1), st('staging', 2, true)]), headers: { ETag: '"L3"' } }],
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Make staging the production stage' }));
    expect(await screen.findByText(CHANGED_TEXT)).toBeTruthy();
    // nothing was written; the list was read again (someone moved prod up)
    await waitFor(() => expect(calls.filter((c) => c.method === 'GET' && c.path === '/stages')).toHaveLength(2));
    await waitFor(() => expect(screen.getAllByRole('row')[2]!.textContent).toContain('prod'));
    const row = () => screen.getAllByRole('row').find((r) => r.textContent?.includes('staging'))!;
    expect(within(row()).queryByText('Production')).toBeNull();
    // the person makes it production again: the new tag goes, and the message goes
    fireEvent.click(screen.getByRole('button', { name: 'Make staging the production stage' }));
    await waitFor(() => expect(within(row()).getByText('Production')).toBeTruthy());
    expect(screen.queryByText(CHANGED_TEXT)).toBeNull();
    expect(writes().map((w) => [w.path, w.ifMatch])).toEqual([
      ['/production-stage', '"L1"'],
      ['/production-stage', '"L2"'],
    ]);
  });

  it("moves a stage with the list's etag; refused with 412 it says so and shows the list as it is now; the answer's tag goes next", async () => {
    const { api, writes } = fakeApi({
      'GET /stages': [
        { status: 200, body: three, headers: { ETag: '"L1"' } },
        { status: 200, body: [st('mock', 0), st('staging', 1), st('prod', 2), st('qa', 3)], headers: { ETag: '"L2"' } },
      ],
      'PUT /stage-order': [
        changed('"L2"'),
        { status: 200, body: [st('mock', 0), st('prod', 1), st('staging', 2), st('qa', 3)], headers: { ETag: '"L3"' } },
        { status: 200, body: [st('prod', 0), st('mock', 1), st('staging', 2), st('qa', 3)], headers: { ETag: '"L4"' } },
      ],
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Move staging down' }));
    expect(await screen.findByText(CHANGED_TEXT)).toBeTruthy();
    // someone added qa meanwhile: it is shown, staging stays where it was
    expect(await screen.findByText('qa')).toBeTruthy();
    expect(screen.getAllByRole('row')[2]!.textContent).toContain('staging');
    expect(screen.getByRole('status').textContent).not.toContain('moved');
    fireEvent.click(screen.getByRole('button', { name: 'Move staging down' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('staging moved down'));
    fireEvent.click(screen.getByRole('button', { name: 'Move prod up' }));
    await waitFor(() => expect(writes()).toHaveLength(3));
    expect(writes().map((w) => w.ifMatch)).toEqual(['"L1"', '"L2"', '"L3"']);
    expect(writes()[1]!.body).toEqual({ stages: ['mock', 'prod', 'staging', 'qa'] });
  });

  it("after adding a stage reads the list's tag again before a move, and says so without writing when someone else changed the list", async () => {
    const { api, writes } = fakeApi({
      'GET /stages': [
        { status: 200, body: three, headers: { ETag: '"L1"' } },
        // after qa was added here: the list as shown, with its tag
        { status: 200, body: [...three, st('qa', 3)], headers: { ETag: '"L2"' } },
        // after beta was added here: someone else renamed staging meanwhile
        { status: 200, body: [st('mock', 0), st('uat', 1), st('prod', 2, true), st('qa', 3), st('beta', 4)], headers: { ETag: '"L4"' } },
      ],
      'POST /stages': [
        { status: 201, body: st('qa', 3) },
        { status: 201, body: st('beta', 4) },
      ],
      'PUT /stage-order': { status: 200, body: [st('mock', 0), st('staging', 1), st('qa', 2), st('prod', 3, true)], headers: { ETag: '"L3"' } },
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    const input = await screen.findByLabelText(/Stage name/);
    fireEvent.change(input, { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add stage' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Move qa up' }));
    await waitFor(() => expect(writes()).toHaveLength(2));
    expect(writes()[1]).toMatchObject({ method: 'PUT', path: '/stage-order', ifMatch: '"L2"', body: { stages: ['mock', 'staging', 'qa', 'prod'] } });
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('qa moved up'));

    fireEvent.change(input, { target: { value: 'beta' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add stage' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Move beta up' }));
    expect(await screen.findByText(CHANGED_TEXT)).toBeTruthy();
    expect(screen.getByText('uat')).toBeTruthy();
    expect(writes()).toHaveLength(3); // the two additions and the first move: no write of the list
  });
});

describe('a stage rename that did not finish', () => {
  // staging → qa failed part way: both stages are there, qa marked as renamed from staging
  const marked = [st('mock', 0), { ...st('staging', 1), etag: '"staging-2"' }, { ...st('qa', 2), etag: '"qa-1"', renaming_from: 'staging' }, st('prod', 3, true)];
  const done = [st('mock', 0), { ...st('qa', 1), etag: '"qa-2"' }, st('prod', 2, true)];
  const unavailable = (detail: string) => ({ status: 503, body: { title: 'Service Unavailable', status: 503, detail } });
  const row = (name: string) => screen.getAllByRole('row').find((r) => within(r).queryByText(name, { selector: 'td > strong' }))!;

  it('says so on the new stage, with Finish rename, and on the old one', async () => {
    const { api } = fakeApi({ 'GET /stages': { status: 200, body: marked } });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    await screen.findByText(/Renaming from/);
    expect(row('qa').textContent).toContain('Renaming from staging did not finish.');
    expect(within(row('qa')).getByRole('button', { name: 'Finish renaming staging to qa' }).textContent).toBe('Finish rename');
    expect(row('staging').textContent).toContain('Being renamed to qa.');
    expect(within(row('staging')).queryByRole('button', { name: /Finish/ })).toBeNull();
    expect(within(row('prod')).queryByText(/did not finish|Being renamed/)).toBeNull();
  });

  it('shows the note, not the button, to those who cannot change stages', async () => {
    const { api } = fakeApi({ 'GET /stages': { status: 200, body: marked } });
    render(<StagesScreen api={api} project="P1" role="editor" />);
    await screen.findByText(/Renaming from/);
    expect(row('qa').textContent).toContain('Renaming from staging did not finish.');
    expect(screen.queryByRole('button', { name: /Finish/ })).toBeNull();
  });

  it('Finish rename sends the same rename over the new stage\'s tag, then reads the list: the mark goes', async () => {
    const { api, writes, calls } = fakeApi({
      'GET /stages': [{ status: 200, body: marked }, { status: 200, body: done }],
      'PATCH /stages/staging': { status: 200, body: { ...st('qa', 1), etag: '"qa-2"', skipped: [] } },
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Finish renaming staging to qa' }));
    await waitFor(() => expect(screen.queryByText(/did not finish/)).toBeNull());
    expect(writes()).toEqual([expect.objectContaining({ method: 'PATCH', path: '/stages/staging', body: { name: 'qa' }, ifMatch: '"qa-1"' })]);
    expect(calls.filter((c) => c.method === 'GET' && c.path === '/stages')).toHaveLength(2);
    expect(screen.queryByText('staging')).toBeNull();
    expect(screen.queryByText(/Being renamed/)).toBeNull();
    expect(screen.queryByRole('button', { name: /Finish/ })).toBeNull();
    expect(screen.getByRole('status').textContent).toContain('Renamed staging to qa');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename stage qa' })));
  });

  it('a Finish that fails again says why and keeps the mark and the button', async () => {
    const { api, writes } = fakeApi({
      'GET /stages': { status: 200, body: marked },
      'PATCH /stages/staging': unavailable('EventBridge Scheduler: rate exceeded'),
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Finish renaming staging to qa' }));
    expect((await screen.findByText(/Finishing the rename of staging to qa failed/)).textContent).toBe(
      'Finishing the rename of staging to qa failed: EventBridge Scheduler: rate exceeded',
    );
    expect(screen.getByText(/Finishing the rename/).getAttribute('role')).toBe('alert');
    expect(row('qa').textContent).toContain('Renaming from staging did not finish.');
    const again = screen.getByRole('button', { name: 'Finish renaming staging to qa' }) as HTMLButtonElement;
    expect(again.disabled).toBe(false);
    expect(writes()).toHaveLength(1);
  });

  it('a Finish refused with 412 says "Changed by someone else" and shows the list as it is now', async () => {
    const { api, writes } = fakeApi({
      'GET /stages': [{ status: 200, body: marked }, { status: 200, body: [...marked.slice(0, 2), { ...marked[2]!, etag: '"qa-3"' }, marked[3]!] }],
      'PATCH /stages/staging': [changed('"staging-3"'), { status: 200, body: { ...st('qa', 1), etag: '"qa-4"', skipped: [] } }],
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Finish renaming staging to qa' }));
    expect(await screen.findByText(CHANGED_TEXT)).toBeTruthy();
    // the next Finish goes over the tag read again
    fireEvent.click(screen.getByRole('button', { name: 'Finish renaming staging to qa' }));
    await waitFor(() => expect(writes()).toHaveLength(2));
    expect(writes().map((w) => w.ifMatch)).toEqual(['"qa-1"', '"qa-3"']);
  });

  it('a rename answered 503 part way says it can be finished, and shows the mark', async () => {
    const { api, writes } = fakeApi({
      'GET /stages': [{ status: 200, body: [st('mock', 0), { ...st('staging', 1), etag: '"staging-1"' }, st('prod', 2, true)] }, { status: 200, body: marked }],
      'PATCH /stages/staging': unavailable('EventBridge Scheduler: service unavailable'),
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename stage staging' }));
    fireEvent.change(screen.getByLabelText('New stage name'), { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const said = await screen.findByText(/Renaming staging to qa did not finish/);
    expect(said.textContent).toBe('Renaming staging to qa did not finish (EventBridge Scheduler: service unavailable). Both stages are there; press Finish rename on qa to finish it.');
    expect(said.getAttribute('role')).toBe('alert');
    expect(screen.queryByLabelText('New stage name')).toBeNull();
    expect(row('qa').textContent).toContain('Renaming from staging did not finish.');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Finish renaming staging to qa' })));
    expect(writes()).toEqual([expect.objectContaining({ method: 'PATCH', path: '/stages/staging', body: { name: 'qa' }, ifMatch: '"staging-1"' })]);
  });

  it('a rename answered 503 that left nothing to finish keeps the form with the error', async () => {
    const { api } = fakeApi({
      'GET /stages': { status: 200, body: three },
      'PATCH /stages/staging': unavailable('store down'),
    });
    render(<StagesScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename stage staging' }));
    fireEvent.change(screen.getByLabelText('New stage name'), { target: { value: 'qa' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('store down')).toBeTruthy();
    expect((screen.getByLabelText('New stage name') as HTMLInputElement).value).toBe('qa');
    expect(screen.queryByRole('button', { name: /Finish/ })).toBeNull();
  });
});
