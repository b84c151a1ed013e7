// Node handles: how expressions name a node. The rules are Go's (shared/flow/validate.go).

/** Names expressions use, so no node may take them. */
export const reservedHandles = new Set(['trigger', 'run', 'env', 'true', 'false', 'nil', 'null', 'in', 'not', 'and', 'or', 'let', 'matches', 'contains']);

/** expr-lang's builtins plus PolySynergy's functions (shared/expr/functions.go). */
export const expressionFunctions = new Set([
  'abs', 'all', 'any', 'bitand', 'bitnand', 'bitnot', 'bitor', 'bitshl', 'bitshr', 'bitushr', 'bitxor', 'ceil',
  'concat', 'count', 'date', 'duration', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'first',
  'flatten', 'float', 'floor', 'fromBase64', 'fromJSON', 'fromPairs', 'get', 'groupBy', 'hasPrefix', 'hasSuffix',
  'indexOf', 'int', 'join', 'keys', 'last', 'lastIndexOf', 'len', 'lower', 'map', 'max', 'mean', 'median', 'min',
  'none', 'now', 'one', 'reduce', 'repeat', 'replace', 'reverse', 'round', 'sort', 'sortBy', 'split', 'splitAfter',
  'string', 'sum', 'take', 'timezone', 'toBase64', 'toJSON', 'toPairs', 'trim', 'trimPrefix', 'trimSuffix', 'type',
  'uniq', 'upper', 'values',
  'default', 'coalesce', 'includes', 'capitalize', 'title', 'slugify', 'urlEncode', 'urlDecode', 'mod', 'pow',
  'sqrt', 'number', 'jmespath', 'formatDate', 'parseDate', 'addDate', 'diffDate',
]);

const handleRE = /^[a-z_][a-z0-9_]*$/;

/** Says what is wrong with a handle, or returns null when it is fine. */
export function handleProblem(handle: string, taken: Iterable<string> = []): string | null {
  if (!handleRE.test(handle)) {
    return `handle "${handle}" must start with a lowercase letter or _ and contain only lowercase letters, digits and _`;
  }
  if (reservedHandles.has(handle)) return `handle "${handle}" is reserved for expressions`;
  if (expressionFunctions.has(handle)) return `handle "${handle}" is the name of an expression function; choose another`;
  for (const t of taken) if (t === handle) return `handle "${handle}" is used by another node`;
  return null;
}

/** Turns any text into a handle-shaped base: "HTTP Response" → "http_response". */
export function slugHandle(text: string): string {
  let s = text
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/_+/g, '_');
  if (!s) s = 'node';
  if (/^[0-9]/.test(s)) s = `n_${s}`;
  return s;
}

/**
 * Picks a free, valid handle from a base ("response", "response_2", …). Reserved words and
 * function names get a suffix too, so a Delay node's handle is never `delay`'s function twin.
 */
export function uniqueHandle(base: string, taken: Set<string>): string {
  let b = slugHandle(base);
  if (handleProblem(b, taken) === null) return b;
  // "log_2" taken → "log_3", not "log_2_2"
  const m = /^(.+?)_(\d+)$/.exec(b);
  if (m && handleProblem(m[1]!, []) === null) b = m[1]!;
  for (let i = 2; ; i++) {
    const h = `${b}_${i}`;
    if (handleProblem(h, taken) === null) return h;
  }
}

/**
 * The handle a new node of a type starts with: the part of the id after the family, or the
 * whole id when that part is a reserved word or a function name (variable.number →
 * variable_number, not number_2).
 */
export function baseHandleForType(typeId: string): string {
  const parts = typeId.split('.');
  const last = parts[parts.length - 1] ?? typeId;
  if (reservedHandles.has(last) || expressionFunctions.has(last)) return slugHandle(typeId);
  return last;
}
