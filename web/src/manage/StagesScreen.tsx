// Stages: listed in order; add (name rules shown, mock reserved), rename, move up and down,
// mark production (at most one), delete (never mock; it unpublishes what the stage serves).
// A rename or delete sends the stage's etag as If-Match: when someone changed the stage since
// the list was read (412), nothing is written, the typed name stays and the list is read again.
// Moving a stage and marking production are writes of the whole list: they send the list's
// etag (GET …/stages), and on 412 the list is read again and the screen says so.
// A rename that did not finish (the API failed part way, say a 503 from EventBridge Scheduler)
// leaves both stages, the new one with renaming_from: its row says so and "Finish rename" sends
// the same rename again (over the new stage's tag), then reads the list again.

import { useEffect, useRef, useState } from 'react';
import { ApiError, type ApiClient, type Tagged } from '../api/client';
import type { RenamedStage, Role, SkippedBinding, Stage } from '../api/types';
import { can } from './roles';
import { findByAttr, focusWhenShown } from '../canvas/focusAfter';
import { CHANGED_TEXT, ConfirmButton, errText, isChanged, FieldMessage, fieldError, formError, invalidProps, LoadState, Screen, useLoad, useServerError } from './common';
import './manage.css';

export const MOCK_STAGE = 'mock';
const NAME_RULE = 'A lowercase letter, then up to 31 lowercase letters or digits (no dashes). "mock" is reserved.';
const NAME_RE = /^[a-z][a-z0-9]{0,31}$/;

/** Why a stage name is refused before asking the API, or null. */
export function stageNameProblem(name: string, existing: string[]): string | null {
  if (!name) return 'Give the stage a name.';
  if (name === MOCK_STAGE) return '"mock" is reserved.';
  if (!NAME_RE.test(name)) return NAME_RULE;
  if (existing.includes(name)) return `There is already a stage "${name}".`;
  return null;
}

const ordered = (l: Stage[]) => [...l].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));

/** Whether two ordered lists show the same stages (each as its own tag has it). */
const sameList = (a: Stage[], b: Stage[]) =>
  a.length === b.length && a.every((s, i) => s.name === b[i]!.name && s.position === b[i]!.position && s.production === b[i]!.production && s.etag === b[i]!.etag);

function NewStage({ existing, onCreate }: { existing: string[]; onCreate(name: string): Promise<void> }) {
  const [name, setName] = useState('');
  /** The name last refused (null once edited): its problem is checked against the list as it
   * is now, so "There is already a stage x" goes when x is renamed or deleted. */
  const [checked, setChecked] = useState<string | null>(null);
  const server = useServerError();
  const error = server.error;
  const setError = server.set;
  const [busy, setBusy] = useState(false);
  const problem = checked === null ? null : stageNameProblem(checked, existing);
  // the API's word on the name goes once the name is edited (the client's check stays as it was)
  const nameErr = problem ?? server.field('name');
  return (
    <form
      className="ps-m-form"
      aria-label="New stage"
      onSubmit={(e) => {
        e.preventDefault();
        const p = stageNameProblem(name.trim(), existing);
        // only a refused name is kept (an added one is in the list: it must not read as taken)
        setChecked(p ? name.trim() : null);
        setError(null);
        if (p) return;
        setBusy(true);
        onCreate(name.trim())
          .then(() => setName(''), setError)
          .finally(() => setBusy(false));
      }}
    >
      <div className="ps-m-field">
        <label htmlFor="new-stage-name">Stage name</label>
        <input
          {...invalidProps('new-stage-name', nameErr, nameErr === NAME_RULE ? undefined : 'new-stage-name-hint')}
          id="new-stage-name"
          value={name}
          placeholder="staging"
          autoComplete="off"
          onChange={(e) => {
            setName(e.target.value);
            setChecked(null);
            server.edited('name');
          }}
        />
        {/* the rule as the error replaces the rule as help: said once */}
        {nameErr === NAME_RULE ? null : (
          <span className="ps-hint" id="new-stage-name-hint">
            {NAME_RULE}
          </span>
        )}
        <FieldMessage id="new-stage-name" message={nameErr} />
      </div>
      <div className="ps-m-submit">
        <button type="submit" className="ps-button ps-primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add stage'}
        </button>
      </div>
      {formError(error, ['name']) ? (
        <p className="ps-field-error ps-m-form-error" role="alert">
          {formError(error, ['name'])}
        </p>
      ) : null}
    </form>
  );
}

function RenameStage({ stage, existing, onRename, onCancel }: { stage: string; existing: string[]; onRename(name: string): Promise<void>; onCancel(): void }) {
  const [name, setName] = useState(stage);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const id = `rename-stage-${stage}`;
  const msg = problem ?? fieldError(error, 'name') ?? (error ? errText(error) : undefined);
  // refused because the stage changed: the keyboard goes back to the name, as typed, to save again
  useEffect(() => {
    if (isChanged(error)) input.current?.focus();
  }, [error]);
  return (
    <form
      className="ps-row ps-m-rename"
      aria-label={`Rename stage ${stage}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (busy) return;
        const n = name.trim();
        if (n === stage) return onCancel();
        const p = stageNameProblem(n, existing);
        setProblem(p);
        setError(null);
        if (p) return;
        setBusy(true);
        onRename(n).catch((err: unknown) => {
          setBusy(false);
          setError(err);
        });
      }}
    >
      <input
        {...invalidProps(id, msg)}
        ref={input}
        id={id}
        aria-label="New stage name"
        value={name}
        autoFocus
        onChange={(e) => {
          setName(e.target.value);
          // what the API said is shown at the field, its only one: it goes once the name is edited
          setError(null);
        }}
        onKeyDown={(e) => e.key === 'Escape' && onCancel()} />
      <button type="submit" className="ps-button ps-small ps-primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save'}
      </button>
      <button type="button" className="ps-button ps-small" onClick={onCancel}>
        Cancel
      </button>
      <FieldMessage id={id} message={msg} />
    </form>
  );
}

/** The publications a rename did not carry over to the stage's new name, each with why. */
function NotMoved({ from, to, list, onDismiss }: { from: string; to: string; list: SkippedBinding[]; onDismiss(): void }) {
  const n = list.length === 1 ? '1 flow' : `${list.length} flows`;
  return (
    <section className="ps-m-notice" role="alert" aria-labelledby="stage-rename-skipped" data-testid="stage-rename-skipped">
      <p id="stage-rename-skipped">
        Renamed <strong className="ps-mono">{from}</strong> to <strong className="ps-mono">{to}</strong>; {n} published on {from} {list.length === 1 ? 'is' : 'are'} not published on {to}:
      </p>
      <ul>
        {list.map((b) => (
          <li key={b.flow}>
            <strong>{b.name}</strong> (version {b.version}): {b.reason}
          </li>
        ))}
      </ul>
      <button type="button" className="ps-button ps-small" onClick={onDismiss}>
        Dismiss
      </button>
    </section>
  );
}

export function StagesScreen({ api, project, role }: { api: ApiClient; project: string; role: Role | null }) {
  /** The list's etag and the list it is of (what GET …/stages or a write of the list answered). */
  const listTag = useRef<{ etag: string | null; of: Stage[] }>({ etag: null, of: [] });
  const tagged = ({ body, etag }: Tagged<Stage[]>): Stage[] => {
    const l = ordered(body);
    listTag.current = { etag, of: l };
    return l;
  };
  const [load, reload, set] = useLoad(() => api.stageList(project).then(tagged), [api, project]);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  /** The publications the last rename did not move (shown until the next rename or dismissed). */
  const [skipped, setSkipped] = useState<{ from: string; to: string; list: SkippedBinding[] } | null>(null);
  const manage = can(role, 'stages.manage');
  /**
   * After a rename or delete the API refused because the stage changed since it was read (412)
   * or is gone (404): the list is read again in place (a form open in a row that is still there
   * keeps what was typed), and the refusal goes on to the form or the confirmation.
   */
  const refreshed = (name: string) => async (e: unknown): Promise<never> => {
    if (isChanged(e) || (e instanceof ApiError && e.status === 404)) {
      await api.stageList(project).then(
        (t) => {
          const l = tagged(t);
          set(() => l);
          // gone: its row (and a rename open in it) goes, so the screen says why
          if (!l.some((x) => x.name === name)) {
            setRenaming((r) => (r === name ? null : r));
            setError(`${name} was renamed or deleted by someone else since you opened it; nothing was changed. The stages are shown as they are now.`);
            focusWhenShown(() => {
              const h = document.querySelector<HTMLElement>('section[aria-label="Stages"] h1');
              if (h && !h.hasAttribute('tabindex')) h.tabIndex = -1;
              return h;
            });
          }
        },
        () => {},
      );
    }
    throw e;
  };
  /** Reads the list again and shows it (a failed read leaves the list shown): the list read, or null. */
  const reread = () =>
    api.stageList(project).then(
      (t) => {
        const l = tagged(t);
        set(() => l);
        return l;
      },
      () => null,
    );

  /**
   * A rename that failed on the API's side (5xx, or no answer) may have begun: when the list read
   * again shows the new stage marked as renamed from the old one, the form closes and the screen
   * says how to finish it (true); otherwise the form shows the error as before (false).
   */
  const unfinished = async (e: unknown, from: string, to: string): Promise<boolean> => {
    if (!(e instanceof ApiError) || !(e.status >= 500 || e.isNetwork)) return false;
    const l = await reread();
    if (!l?.some((x) => x.name === to && x.renaming_from === from)) return false;
    setRenaming(null);
    setSkipped(null);
    setError(`Renaming ${from} to ${to} did not finish (${errText(e)}). Both stages are there; press Finish rename on ${to} to finish it.`);
    focusWhenShown(() => findByAttr(document, 'button', 'aria-label', `Finish renaming ${from} to ${to}`));
    return true;
  };

  /** The stage whose unfinished rename is being sent again. */
  const [finishing, setFinishing] = useState<string | null>(null);
  /**
   * Sends an unfinished rename again (PATCH the old name with the new one, over the new stage's
   * tag, which the API takes for a retry), then reads the list again: done, the mark goes; refused
   * (412, or 409 when a stage was created under the old name since), the list shows what is now.
   */
  const finishRename = (s: Stage) => {
    const from = s.renaming_from!;
    setError(null);
    setFinishing(s.name);
    void (async () => {
      let r: RenamedStage;
      try {
        r = await api.renameStage(project, from, s.name, s.etag);
      } catch (e) {
        await reread();
        setError(isChanged(e) ? CHANGED_TEXT : `Finishing the rename of ${from} to ${s.name} failed: ${errText(e)}`);
        return;
      } finally {
        setFinishing(null);
      }
      await reread();
      setSkipped(r.skipped.length ? { from, to: s.name, list: r.skipped } : null);
      setStatus(`Renamed ${from} to ${s.name}`);
      focusWhenShown(() => findByAttr(document, 'button', 'aria-label', `Rename stage ${s.name}`));
    })();
  };

  /** Ends a rename (saved or not): the keyboard goes back to the stage's Rename button, not the page's body. */
  const endRename = (name: string) => {
    setRenaming(null);
    focusWhenShown(() => findByAttr(document, 'button', 'aria-label', `Rename stage ${name}`));
  };

  /** Runs a change; its error is shown (an error f says itself stays). */
  const act = (f: () => Promise<unknown>) => {
    setError(null);
    return f().catch((e: unknown) => setError(errText(e)));
  };

  /**
   * The list's etag for a write of the whole list shown: the one last read when the list shown
   * is that read's; after a change of one stage (whose answer has no list tag) the list is read
   * again, and its tag goes only when it is still the list shown. Otherwise (someone else
   * changed it) null: the list as it is now is shown and the screen says so, nothing written.
   */
  const tagFor = async (shown: Stage[]): Promise<string | null | false> => {
    if (sameList(listTag.current.of, shown)) return listTag.current.etag;
    const l = tagged(await api.stageList(project));
    if (sameList(l, shown)) return listTag.current.etag;
    set(() => l);
    setError(CHANGED_TEXT);
    return false;
  };
  /** A write of the list refused with 412: the list is read again (then the refusal goes on). */
  const listChanged = async (e: unknown): Promise<never> => {
    if (isChanged(e)) {
      await api.stageList(project).then(
        (t) => {
          const l = tagged(t);
          set(() => l);
        },
        () => {},
      );
    }
    throw e;
  };
  /** Shows a write's answer: the list with its new tag. */
  const answered = (t: Tagged<Stage[]>) => {
    const l = tagged(t);
    set(() => l);
  };

  const setProduction = (list: Stage[], name: string) =>
    void act(async () => {
      const tag = await tagFor(list);
      if (tag === false) return;
      answered(await api.setProductionStage(project, name, tag).catch(listChanged));
    });

  const move = (list: Stage[], i: number, by: -1 | 1) => {
    const names = list.map((s) => s.name);
    const j = i + by;
    if (j < 0 || j >= names.length) return;
    [names[i], names[j]] = [names[j]!, names[i]!];
    void act(async () => {
      const tag = await tagFor(list);
      if (tag === false) return;
      answered(await api.reorderStages(project, names, tag).catch(listChanged));
      setStatus(`${list[i]!.name} moved ${by < 0 ? 'up' : 'down'}`);
      // keep the keyboard on the button that was pressed (or its twin at the list's edge)
      setTimeout(() => {
        const dir = by < 0 ? 'up' : 'down';
        const b = document.getElementById(`stage-${dir}-${list[i]!.name}`) as HTMLButtonElement | null;
        (b && !b.disabled ? b : document.getElementById(`stage-${dir === 'up' ? 'down' : 'up'}-${list[i]!.name}`))?.focus();
      }, 0);
    });
  };

  return (
    <Screen
      title="Stages"
      intro="Stages are the environments a flow is published to (for example staging and production). Each has its own variables and secrets. The mock stage is where the editor runs flows; it is always there."
      readOnly={manage ? null : 'Only admins can change stages.'}
    >
      <LoadState load={load} what="stages" retry={reload} />
      {load.status === 'ready' ? (
        <>
          {manage ? (
            <NewStage
              existing={load.value.map((s) => s.name)}
              onCreate={async (name) => {
                const created = await api.createStage(project, { name });
                set((l) => ordered([...l, created]));
              }}
            />
          ) : null}
          {error ? (
            <p className="ps-field-error" role="alert">
              {error}
            </p>
          ) : null}
          <p className="ps-hint" role="status" aria-live="polite">
            {status}
          </p>
          {skipped ? <NotMoved {...skipped} onDismiss={() => setSkipped(null)} /> : null}
          {load.value.length === 0 ? (
            <p className="ps-empty">No stages yet.</p>
          ) : (
            <table className="ps-m-table">
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Production</th>
                  <th scope="col">
                    <span className="ps-hint">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {load.value.map((s, i, list) => {
                  const mock = s.name === MOCK_STAGE;
                  /** The new name of this stage's unfinished rename, if any. */
                  const renamingTo = list.find((x) => x.renaming_from === s.name)?.name;
                  return (
                    <tr key={s.name}>
                      <td>
                        {manage ? (
                          <span className="ps-row">
                            <button type="button" id={`stage-up-${s.name}`} className="ps-icon-button" aria-label={`Move ${s.name} up`} title="Move up" disabled={i === 0} onClick={() => move(list, i, -1)}>
                              ↑
                            </button>
                            <button
                              type="button"
                              id={`stage-down-${s.name}`}
                              className="ps-icon-button"
                              aria-label={`Move ${s.name} down`}
                              title="Move down"
                              disabled={i === list.length - 1}
                              onClick={() => move(list, i, 1)}
                            >
                              ↓
                            </button>
                          </span>
                        ) : (
                          i + 1
                        )}
                      </td>
                      <td>
                        {renaming === s.name ? (
                          <RenameStage
                            stage={s.name}
                            existing={list.map((x) => x.name).filter((n) => n !== s.name)}
                            onCancel={() => endRename(s.name)}
                            onRename={async (name) => {
                              let r: RenamedStage;
                              try {
                                r = await api.renameStage(project, s.name, name, s.etag);
                              } catch (e) {
                                if (await unfinished(e, s.name, name)) return;
                                return refreshed(s.name)(e);
                              }
                              const { skipped: notMoved, ...answer } = r;
                              endRename(answer.name);
                              set((l) => ordered(l.map((x) => (x.name === s.name ? answer : x))));
                              setSkipped(notMoved.length ? { from: s.name, to: answer.name, list: notMoved } : null);
                            }}
                          />
                        ) : (
                          <>
                            <strong className="ps-mono">{s.name}</strong> {mock ? <span className="ps-hint">(editor runs)</span> : null}
                            {s.renaming_from ? (
                              <p className="ps-m-unfinished">
                                Renaming from <strong className="ps-mono">{s.renaming_from}</strong> did not finish.
                              </p>
                            ) : null}
                            {renamingTo ? (
                              <p className="ps-hint ps-m-unfinished-old">
                                Being renamed to <strong className="ps-mono">{renamingTo}</strong>.
                              </p>
                            ) : null}
                          </>
                        )}
                      </td>
                      <td>
                        {s.production ? <span className="ps-m-badge prod">Production</span> : <span className="ps-m-unset">—</span>}
                      </td>
                      <td className="ps-m-actions">
                        {manage && !mock && renaming !== s.name ? (
                          <span className="ps-m-actions">
                            {s.renaming_from ? (
                              <button
                                type="button"
                                className="ps-button ps-small ps-primary"
                                aria-label={`Finish renaming ${s.renaming_from} to ${s.name}`}
                                disabled={finishing === s.name}
                                onClick={() => finishRename(s)}
                              >
                                {finishing === s.name ? 'Finishing…' : 'Finish rename'}
                              </button>
                            ) : null}
                            {s.production ? (
                              <button type="button" className="ps-button ps-small" aria-label={`Unmark ${s.name} as production`} onClick={() => setProduction(list, '')}>
                                Unmark production
                              </button>
                            ) : (
                              <button type="button" className="ps-button ps-small" aria-label={`Make ${s.name} the production stage`} onClick={() => setProduction(list, s.name)}>
                                Make production
                              </button>
                            )}
                            <button type="button" className="ps-button ps-small" aria-label={`Rename stage ${s.name}`} onClick={() => setRenaming(s.name)}>
                              Rename
                            </button>
                            <ConfirmButton
                              label="Delete"
                              accessibleName={`Delete stage ${s.name}`}
                              question={
                                <>
                                  Delete <strong>{s.name}</strong>? Every flow published to it is unpublished, and its variables and secrets are removed.
                                </>
                              }
                              confirmLabel="Delete stage"
                              onConfirm={async () => {
                                await api.deleteStage(project, s.name, s.etag).catch(refreshed(s.name));
                                set((l) => l.filter((x) => x.name !== s.name));
                              }}
                            />
                          </span>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </Screen>
  );
}
