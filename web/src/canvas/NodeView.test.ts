import { describe, expect, it } from 'vitest';
import type { PortSpec } from '../model/catalog';
import { portPreview } from './NodeView';

const port = (spec: Partial<PortSpec>) => ({ id: spec.name ?? 'p', spec: { name: 'p', type: 'string', ...spec } as PortSpec });
const flows = [
  { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', name: 'Lookup order' },
  { id: '01ARZ3NDEKTSV4RRFFQ69G5FAW', name: 'A flow with a very long name indeed' },
];

describe('port previews', () => {
  it('shows a picked flow by its name', () => {
    expect(portPreview(port({ name: 'flow_id', editor: 'flow' }), '01ARZ3NDEKTSV4RRFFQ69G5FAV', flows)).toBe('→ Lookup order');
    expect(portPreview(port({ name: 'flow_id', editor: 'flow' }), '01ARZ3NDEKTSV4RRFFQ69G5FAW', flows).length).toBeLessThanOrEqual(22);
  });

  it('shows the id itself when the flow is unknown or the lists are not loaded', () => {
    const id = '01ARZ3NDEKTSV4RRFFQ69G5FAX';
    expect(portPreview(port({ name: 'flow_id', editor: 'flow' }), id, flows)).not.toContain('→');
    expect(portPreview(port({ name: 'flow_id', editor: 'flow' }), '01ARZ3NDEKTSV4RRFFQ69G5FAV', undefined)).not.toContain('→');
  });

  it('leaves other ports alone', () => {
    expect(portPreview(port({ name: 'url' }), '01ARZ3NDEKTSV4RRFFQ69G5FAV', flows)).not.toContain('Lookup');
    expect(portPreview(port({ name: 'n', type: 'number' }), 42, flows)).toBe('42');
  });
});
