// A flow's settings as a dialog: its name, which of its runs the history keeps and how many,
// and the flow that runs when a published run of it fails. Nothing changes until Save, which
// sends only the fields that changed; the API's field errors show next to their fields.

import { useId, useMemo, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { Flow, FlowUpdate, RunSaving } from '../api/types';
import type { FlowChoice } from '../editor/context';
import { flowLabel } from '../inspector/editors';
import { ConfirmButton, FieldMessage, fieldError, formError, invalidProps } from '../manage/common';
import { Modal } from '../ui/Modal';
import './flowSettings.css';
import { submitWith } from '../ui/forms';

/** The longest flow name the API takes. */
export const NAME_MAX = 200;
/** The fewest and most runs a flow's history keeps. */
export const RETENTION_MIN = 1;
export const RETENTION_MAX = 10000;

/** The run saving choices, in the order the dialog offers them. */
export const RUN_SAVING: { value: RunSaving; label: string }[] = [
  { value: 'all', label: 'Save every run' },
  { value: 'errors', label: 'Save failed runs only' },
  { value: 'none', label: 'Save no runs' },
];

/** The dialog's fields as typed (retention stays text until it is saved). */
export interface SettingsForm {
  name: string;
  run_saving: RunSaving;
  retention: string;
  error_flow: string;
}

/** The fields the dialog edits, named as the API names them. */
export type SettingsField = keyof SettingsForm;
const FIELDS: SettingsField[] = ['name', 'run_saving', 'retention', 'error_flow'];

/** The settings a flow has now, as the dialog's fields. */
export function formOf(flow: Flow): SettingsForm {
  return { name: flow.name, run_saving: flow.run_saving, retention: String(flow.retention), error_flow: flow.error_flow ?? '' };
}

/** Why a field is refused before asking the API (the API's own rules), by field. */
export function formProblems(f: SettingsForm): Partial<Record<SettingsField, string>> {
  const out: Partial<Record<SettingsField, string>> = {};
  const name = f.name.trim();
  if (!name) out.name = 'Give the flow a name.';
  else if (name.length > NAME_MAX) out.name = `At most ${NAME_MAX} characters (this one has ${name.length}).`;
  const r = f.retention.trim();
  const n = Number(r);
  if (!r || !Number.isInteger(n) || n < RETENTION_MIN || n > RETENTION_MAX) out.retention = `A whole number from ${RETENTION_MIN} to ${RETENTION_MAX}.`;
  return out;
}

/** The fields of f that differ from the flow's settings: what Save sends (f must be valid). */
export function settingsChanges(flow: Flow, f: SettingsForm): FlowUpdate {
  const out: FlowUpdate = {};
  const name = f.name.trim();
  if (name !== flow.name) out.name = name;
  if (f.run_saving !== flow.run_saving) out.run_saving = f.run_saving;
  const retention = Number(f.retention.trim());
  if (retention !== flow.retention) out.retention = retention;
  if (f.error_flow !== (flow.error_flow ?? '')) out.error_flow = f.error_flow;
  return out;
}

/** The label of an error flow id the list does not have (a deleted flow, a list that failed to load). */
export const unknownFlowLabel = (id: string) => `unknown flow ${id}`;

export interface FlowSettingsDialogProps {
  api: ApiClient;
  project: string;
  flow: Flow;
  /** The project's flows (the open flow among them or not: it is never offered). */
  flows: FlowChoice[];
  /** The API changed the flow: its answer and what was sent. */
  onSaved(answer: Flow, sent: FlowUpdate): void;
  onClose(): void;
  /** The signed-in member may only look (a viewer): the fields show, nothing can change. */
  readOnly?: boolean;
  /** The flow was deleted (after the member confirmed): the editor lets go of it. Without it
   * the dialog offers no delete. */
  onDeleted?(): void;
}

/** What a member who may only look is told in place of Save. */
export const READ_ONLY_NOTE = 'You can see these settings; changing them needs the editor or admin role.';

export function FlowSettingsDialog({ api, project, flow, flows, onSaved, onClose, readOnly = false, onDeleted }: FlowSettingsDialogProps) {
  const id = useId();
  const [form, setForm] = useState<SettingsForm>(() => formOf(flow));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // the fields as they were sent with the answer in error: a field's message goes once it is edited
  const [sent, setSent] = useState<SettingsForm | null>(null);

  const others = useMemo(() => flows.filter((f) => f.id !== flow.id), [flows, flow.id]);
  const current = flow.error_flow ?? '';
  const currentLabel = !current || others.some((f) => f.id === current) ? null : current === flow.id ? `${flow.name} (this flow)` : unknownFlowLabel(current);

  const problems = formProblems(form);
  const changes = settingsChanges(flow, form);
  const changed = Object.keys(changes).length > 0;
  const invalid = Object.keys(problems).length > 0;

  const message = (f: SettingsField): string | undefined => problems[f] ?? (sent && sent[f] === form[f] ? fieldError(error, f) : undefined);
  const set = (p: Partial<SettingsForm>) => setForm((f) => ({ ...f, ...p }));
  const other = formError(error, FIELDS);

  const save = () => {
    if (readOnly || busy || invalid || !changed) return;
    setBusy(true);
    setError(null);
    setSent(form);
    api.updateFlow(project, flow.id, changes).then(
      (answer) => onSaved(answer, changes),
      (e: unknown) => {
        setError(e);
        setBusy(false);
      },
    );
  };

  const nameMsg = message('name');
  const savingMsg = message('run_saving');
  const retentionMsg = message('retention');
  const errorFlowMsg = message('error_flow');

  return (
    <Modal className="ps-flow-settings" labelledBy={`${id}-t`} onClose={busy ? undefined : onClose}>
      <form
        aria-labelledby={`${id}-t`}
        onSubmit={submitWith(save)}
      >
        <h2 id={`${id}-t`}>Flow settings</h2>
        {readOnly ? (
          <p className="ps-hint" role="note">
            {READ_ONLY_NOTE}
          </p>
        ) : null}
        <fieldset className="ps-flow-settings-fields" disabled={readOnly}>

        <div className="ps-field">
          <label className="ps-label" htmlFor={`${id}-name`}>
            Name
          </label>
          <input
            {...invalidProps(`${id}-name`, nameMsg)}
            id={`${id}-name`}
            value={form.name}
            required
            maxLength={NAME_MAX}
            autoComplete="off"
            onChange={(e) => set({ name: e.target.value })}
          />
          <FieldMessage id={`${id}-name`} message={nameMsg} />
        </div>

        <fieldset className="ps-field ps-flow-settings-choices" aria-describedby={savingMsg ? `${id}-saving-error` : `${id}-saving-help`}>
          <legend className="ps-label">Run history</legend>
          {RUN_SAVING.map((o) => (
            <label key={o.value} className="ps-switch">
              <input type="radio" name={`${id}-saving`} value={o.value} checked={form.run_saving === o.value} onChange={() => set({ run_saving: o.value })} /> {o.label}
            </label>
          ))}
          <p className="ps-hint" id={`${id}-saving-help`}>
            Which of this flow's runs stay in its run history, with their node results and logs.
          </p>
          <FieldMessage id={`${id}-saving`} message={savingMsg} />
        </fieldset>

        <div className="ps-field">
          <label className="ps-label" htmlFor={`${id}-retention`}>
            Keep the last N runs
          </label>
          <input
            {...invalidProps(`${id}-retention`, retentionMsg)}
            id={`${id}-retention`}
            type="number"
            inputMode="numeric"
            min={RETENTION_MIN}
            max={RETENTION_MAX}
            step={1}
            value={form.retention}
            aria-describedby={retentionMsg ? `${id}-retention-error` : `${id}-retention-help`}
            onChange={(e) => set({ retention: e.target.value })}
          />
          <p className="ps-hint" id={`${id}-retention-help`}>
            From {RETENTION_MIN} to {RETENTION_MAX}; older runs are deleted.
          </p>
          <FieldMessage id={`${id}-retention`} message={retentionMsg} />
        </div>

        <div className="ps-field">
          <label className="ps-label" htmlFor={`${id}-error-flow`}>
            When a published run fails, run flow
          </label>
          <select
            {...invalidProps(`${id}-error-flow`, errorFlowMsg)}
            id={`${id}-error-flow`}
            value={form.error_flow}
            aria-describedby={errorFlowMsg ? `${id}-error-flow-error` : `${id}-error-flow-help`}
            onChange={(e) => set({ error_flow: e.target.value })}
          >
            <option value="">— nothing —</option>
            {currentLabel ? <option value={current}>{currentLabel}</option> : null}
            {others.map((f) => (
              <option key={f.id} value={f.id}>
                {flowLabel(f)}
              </option>
            ))}
          </select>
          <p className="ps-hint" id={`${id}-error-flow-help`}>
            The chosen flow starts at its Flow input node with {'{flow, run, error}'}; publish it on the same stages.
          </p>
          <FieldMessage id={`${id}-error-flow`} message={errorFlowMsg} />
        </div>

        </fieldset>

        {other ? (
          <p className="ps-field-error" role="alert">
            {other}
          </p>
        ) : null}

        {readOnly || !onDeleted ? null : (
          <section className="ps-flow-settings-delete" aria-label="Delete this flow">
            {/* the API refuses (409) while other flows call it or name it as their error flow: its detail shows here */}
            <ConfirmButton
              label="Delete flow…"
              accessibleName={`Delete the flow ${flow.name}`}
              question={`Delete “${flow.name}” with its versions and runs? It is unpublished from every stage. This cannot be undone.`}
              confirmLabel={`Delete “${flow.name}”`}
              disabled={busy}
              onConfirm={async () => {
                await api.deleteFlow(project, flow.id);
                onDeleted();
              }}
            />
          </section>
        )}

        <div className="ps-row ps-flow-settings-actions">
          {readOnly ? null : (
            <button type="submit" className="ps-button ps-primary" disabled={busy || invalid || !changed}>
              {busy ? 'Saving…' : 'Save'}
            </button>
          )}
          <button type="button" className="ps-button" disabled={busy} onClick={onClose}>
            {readOnly ? 'Close' : 'Cancel'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
