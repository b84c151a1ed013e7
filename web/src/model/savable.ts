// What keeps a draft from saving, in words a person reads: values the server's document reader
// refuses outright (a decimal in a whole-number setting gave a 422 on autosave, "body.document:
// flow document, line 1 column 107: nodes[0].settings.retries: expected int, got JSON number
// 1.5"), found before sending; and the server's 422 for a draft mapped onto the node and field
// it names.

import { ApiError } from '../api/client';
import { type CatalogIndex, portLabel } from './catalog';
import type { FlowDocument, NodeSettings } from './flow';

/** The whole-number execution settings of a node (Go's int fields of flow.Settings). */
export type IntSetting = 'timeout_ms' | 'retries' | 'backoff_ms' | 'concurrency';

/** How the inspector labels each setting. */
export const settingLabels: Record<IntSetting, string> = {
  timeout_ms: 'Timeout (ms)',
  retries: 'Retries',
  backoff_ms: 'Backoff (ms)',
  concurrency: 'Concurrency',
};

/** A reason the draft is not saved, tied to the node and field concerned where known. */
export interface SaveProblem {
  /** The node's id and handle. */
  node?: string;
  handle?: string;
  /** The field as the inspector labels it ("Retries"); absent for the document as a whole. */
  field?: string;
  /** A sentence naming the field: "Retries must be a whole number". */
  message: string;
}

const capital = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** The message of a setting's value that is not a whole number, or null when it is fine. */
export function settingProblem(key: IntSetting, v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${settingLabels[key]} must be a number`;
  if (!Number.isInteger(v)) return `${settingLabels[key]} must be a whole number`;
  return null;
}

/**
 * What the server's reader of a draft refuses in this document (it never saves it): settings
 * that are not whole numbers. Everything else it reads is checked by validation, which does
 * not stop a save.
 */
export function unsavable(doc: FlowDocument): SaveProblem[] {
  const out: SaveProblem[] = [];
  for (const n of doc.nodes) {
    const s: NodeSettings = n.settings ?? {};
    for (const k of Object.keys(settingLabels) as IntSetting[]) {
      const m = settingProblem(k, s[k]);
      if (m) out.push({ node: n.id, handle: n.handle, field: settingLabels[k], message: m });
    }
  }
  return out;
}

// Go's names of the type (int64) and JSON's (integer): the reader has said both
const WHOLE = /^(u?int(8|16|32|64)?|integer)$/;

/** "expected int, got JSON number 1.5" in words. */
function expectedText(expected: string, gotKind: string, got: string | undefined): string {
  const shown = got ? ` (got ${got.length > 40 ? `${got.slice(0, 37)}...` : got})` : '';
  if (WHOLE.test(expected)) return `must be a whole number${shown}`;
  if (/^(float(32|64)|number)$/.test(expected)) return `must be a number${shown}`;
  if (expected === 'string') return `must be text${shown}`;
  if (expected === 'bool' || expected === 'boolean') return `must be true or false${shown}`;
  return `must be ${expected}, not ${gotKind}${shown}`;
}

/**
 * The problems of a refused save (a 422) as SaveProblems: a field error of the document reader
 * ("flow document, line L column C: nodes[N].settings.retries: expected int, got JSON number 1.5")
 * names the node (by its handle, from the document that was sent) and the field as the inspector
 * labels it; any other field error or the problem's detail is kept, without the line and column
 * noise. Null when err is not a 422.
 */
export function saveProblemsOf(err: unknown, doc: FlowDocument, catalog?: CatalogIndex): SaveProblem[] | null {
  if (!(err instanceof ApiError) || err.status !== 422) return null;
  const list = err.fieldErrors.length ? err.fieldErrors.map((f) => ({ field: f.field, message: f.message })) : [{ field: '', message: err.detail || err.title }];
  return list.map(({ field, message }) => {
    const text = message.replace(/^flow document(, line \d+ column \d+)?: /, '');
    const m = /^nodes\[(\d+)\]\.(settings|values)\.([^.:[\s]+): expected ([\w.[\]*]+), got (?:JSON )?(\w+)(?: (.*))?$/.exec(text);
    if (m) {
      const n = doc.nodes[Number(m[1])];
      const key = m[3]!;
      let label = key;
      if (m[2] === 'settings') label = settingLabels[key as IntSetting] ?? key;
      else {
        const spec = n && catalog?.get(n.type)?.inputs.find((p) => p.name === key);
        label = capital(spec ? portLabel(spec) : key);
      }
      return { ...(n ? { node: n.id, handle: n.handle } : {}), field: label, message: `${label} ${expectedText(m[4]!, m[5]!, m[6])}` };
    }
    const where = /^nodes\[(\d+)\]\.?/.exec(text);
    const n = where ? doc.nodes[Number(where[1])] : undefined;
    // the node is named by its handle; "document" or "body.document" says nothing a person can act on
    const rest = n ? text.slice(where![0].length) : text;
    const named = field && field !== 'document' ? `${field}: ` : '';
    return { ...(n ? { node: n.id, handle: n.handle } : {}), message: capital(named && rest.startsWith(named) ? rest : `${named}${rest}`) };
  });
}

/** One line for a list of save problems: "log · Retries must be a whole number (and 1 more)". */
export function saveProblemsText(list: readonly SaveProblem[]): string {
  if (!list.length) return '';
  const first = list[0]!;
  const more = list.length > 1 ? ` (and ${list.length - 1} more)` : '';
  return `${first.handle ? `${first.handle} · ` : ''}${first.message}${more}`;
}
