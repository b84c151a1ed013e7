// Port types and the connection compatibility rule. This mirrors Go's nodes.Compatible
// (shared/nodes/nodes.go) exactly; the unit tests pin the whole matrix so a change on
// either side shows up.

/** The scalar and structural port types; service ports are `service:<kind>`. */
export const portTypes = [
  'any',
  'string',
  'number',
  'integer',
  'boolean',
  'object',
  'list',
  'bytes',
  'datetime',
  'secret',
  'loop',
  'jump',
] as const;

export type BasePortType = (typeof portTypes)[number];
export type ServicePortType = `service:${string}`;
export type PortType = BasePortType | ServicePortType;

/** The ports every node gets without declaring them. */
export const PORT_NODE = 'node';
export const PORT_TRUE = 'true_path';
export const PORT_FALSE = 'false_path';

export function isServiceType(t: string): t is ServicePortType {
  return t.startsWith('service:');
}

/** Reports whether t is a port type Go knows. */
export function isValidPortType(t: string): t is PortType {
  if ((portTypes as readonly string[]).includes(t)) return true;
  return isServiceType(t) && t.length > 'service:'.length;
}

/**
 * Reports whether an output port may feed an input port as shared/flow's validation decides:
 * a dict sub-port on either end takes anything, and so does a multi list input (Merge's
 * `inputs`: it collects one value of any type per connection) unless a service is handed over;
 * otherwise the types must be compatible.
 */
export function portsFit(out: { type: string; sub?: boolean }, input: { type: string; multi?: boolean | undefined; sub?: boolean }): boolean {
  if (out.sub || input.sub) return true;
  if (input.multi && input.type === 'list' && !isServiceType(out.type)) return true;
  return compatible(out.type, input.type);
}

/** Reports whether an output of type `from` may feed an input of type `to`. */
export function compatible(from: string, to: string): boolean {
  if (from === to) return true;
  if (isServiceType(from) || isServiceType(to)) return false;
  if (from === 'loop' || to === 'loop' || from === 'jump' || to === 'jump') return false;
  if (from === 'any' || to === 'any') return true;
  switch (to) {
    case 'number':
      return from === 'integer';
    case 'string':
      return (
        from === 'datetime' ||
        from === 'secret' ||
        from === 'number' ||
        from === 'integer' ||
        from === 'boolean'
      );
    case 'datetime':
      return from === 'string';
    case 'secret':
      return from === 'string';
  }
  return false;
}

/** Splits "cases.key" into the port and the dynamic sub-port key. */
export function splitPort(p: string): { port: string; sub: string } {
  const i = p.indexOf('.');
  if (i < 0) return { port: p, sub: '' };
  return { port: p.slice(0, i), sub: p.slice(i + 1) };
}

/** A short human label for a port type, for hover cards. */
export function describeType(t: string): string {
  if (isServiceType(t)) return `service (${t.slice('service:'.length)})`;
  return t;
}
