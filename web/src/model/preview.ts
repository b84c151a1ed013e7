// Short previews of values for node faces and lists.

/** A one-line preview of a value, at most `max` characters. */
export function previewValue(v: unknown, max = 28): string {
  let s: string;
  if (v === undefined) return '';
  if (v === null) s = 'null';
  else if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
  else if (Array.isArray(v)) {
    if (v.length && v.every((r) => r && typeof r === 'object' && 'key' in (r as object))) {
      s = v.map((r) => String((r as { key: unknown }).key)).join(', ');
    } else s = `[${v.length} item${v.length === 1 ? '' : 's'}]`;
  } else if (typeof v === 'object') {
    const keys = Object.keys(v as object);
    s = keys.length ? `{${keys.join(', ')}}` : '{}';
  } else s = String(v);
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
