// A closed group on the canvas: one box with its name, member count, the members' combined
// run state, and its exposed ports as handles (inputs left, outputs right).

import { Handle, type Node, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import type { NodeRunView } from '../canvas/NodeView';
import { ANY_PORT, type GroupBox, inHandle, outHandle } from './view';
import './groups.css';

export interface GroupNodeData extends Record<string, unknown> {
  box: GroupBox;
  run?: NodeRunView['status'];
}

export type GroupRfNode = Node<GroupNodeData, 'psGroup'>;

const rank: Record<string, number> = { error: 5, running: 4, paused: 3, success: 2, skipped: 1 };

/** The state a group shows for its members: the most telling one. */
export function groupRunStatus(members: string[], runs: ReadonlyMap<string, NodeRunView> | undefined): NodeRunView['status'] | undefined {
  let best: NodeRunView['status'] | undefined;
  for (const m of members) {
    const s = runs?.get(m)?.status;
    if (s && (!best || rank[s]! > rank[best]!)) best = s;
  }
  return best;
}

function GroupNodeView({ data, selected }: NodeProps<GroupRfNode>) {
  const { box, run } = data;
  const ins = [...box.inputs.map((p) => ({ id: inHandle(p.name), label: p.name })), ...(box.anyIn ? [{ id: inHandle(ANY_PORT), label: '(other)' }] : [])];
  const outs = [...box.outputs.map((p) => ({ id: outHandle(p.name), label: p.name })), ...(box.anyOut ? [{ id: outHandle(ANY_PORT), label: '(other)' }] : [])];
  const rows = Math.max(ins.length, outs.length, 1);
  return (
    <div className={`ps-group-box${selected ? ' selected' : ''}${run ? ` ps-run-${run}` : ''}`} data-group={box.group.id} title="Double-click to open the group">
      <div className="ps-group-box-header">
        <span className="ps-group-box-icon" aria-hidden>
          ▣
        </span>
        <strong>{box.group.name}</strong>
        <span className="ps-hint">
          {box.group.members.length} node{box.group.members.length === 1 ? '' : 's'}
        </span>
      </div>
      <div className="ps-group-box-ports">
        {Array.from({ length: rows }, (_, i) => (
          <div className="ps-group-box-row" key={i}>
            <span className="ps-group-port in" data-port={ins[i]?.id}>
              {ins[i] ? (
                <>
                  <Handle type="target" position={Position.Left} id={ins[i].id} />
                  {ins[i].label}
                </>
              ) : null}
            </span>
            <span className="ps-group-port out" data-port={outs[i]?.id}>
              {outs[i] ? (
                <>
                  {outs[i].label}
                  <Handle type="source" position={Position.Right} id={outs[i].id} />
                </>
              ) : null}
            </span>
          </div>
        ))}
      </div>
    </div>
  );
}

export const GroupNode = memo(GroupNodeView);
