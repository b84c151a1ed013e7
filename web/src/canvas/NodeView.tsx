// How a node looks on the canvas: a header with its icon, handle and type; its input ports
// on the left and outputs on the right (from the catalogue, dict rows as sub-ports), with
// types on hover, value previews, problem marks and the live run state.

import { Handle, type Node, type NodeProps, Position } from '@xyflow/react';
import { createContext, memo, useContext } from 'react';
import { EditorContext } from '../editor/context';
import { type NodeTypeSpec, portLabel } from '../model/catalog';
import type { FlowNode } from '../model/flow';
import { type NodePort, nodeInputs, nodeOutputs } from '../model/graph';
import { describeType, PORT_FALSE, PORT_NODE, PORT_TRUE } from '../model/ports';
import { previewValue } from '../model/preview';
import type { Problem } from '../model/validate';
import { categoryColor, iconGlyph } from './icons';

export interface NodeRunView {
  status: 'running' | 'success' | 'error' | 'skipped' | 'paused';
  order?: number;
}

export interface PsNodeData extends Record<string, unknown> {
  node: FlowNode;
  type: NodeTypeSpec | undefined;
  problems: Problem[];
  /** Input port ids that have a connection. */
  connected: ReadonlySet<string>;
  run?: NodeRunView;
}

export type PsNode = Node<PsNodeData, 'ps'>;

/** While a connection is being drawn: whether a handle would accept it. */
export interface ConnectingState {
  active: boolean;
  accepts(nodeId: string, handleId: string, kind: 'source' | 'target'): boolean;
}

export const ConnectingContext = createContext<ConnectingState>({ active: false, accepts: () => false });

function portTitle(p: NodePort, dir: 'input' | 'output'): string {
  const name = p.sub !== undefined ? `${p.spec.name}.${p.sub}` : p.spec.name;
  const type = p.sub !== undefined ? 'any (row)' : describeType(String(p.spec.type));
  const bits = [`${dir} ${name}: ${type}`];
  if (p.spec.required) bits.push('required');
  if (p.spec.multi) bits.push('takes several connections');
  if (p.spec.doc) bits.push(p.spec.doc);
  return bits.join(' — ');
}

/** The value shown beside an unconnected input: a flow picked by id shows as its name. */
export function portPreview(port: NodePort, value: unknown, flows: readonly { id: string; name: string }[] | undefined): string {
  if (port.spec.editor === 'flow' && typeof value === 'string') {
    const f = flows?.find((x) => x.id === value.trim());
    if (f) return previewValue(`→ ${f.name}`, 22);
  }
  return previewValue(value, 22);
}

function PortRow({
  nodeId,
  port,
  dir,
  value,
  connected,
  problem,
  warning,
}: {
  nodeId: string;
  port: NodePort;
  dir: 'input' | 'output';
  value?: unknown;
  connected?: boolean;
  problem?: string;
  /** A warning about the port (shown when it has no problem). */
  warning?: string | undefined;
}) {
  const connecting = useContext(ConnectingContext);
  const kind = dir === 'input' ? 'target' : 'source';
  let state = '';
  if (connecting.active) state = connecting.accepts(nodeId, port.id, kind) ? ' ps-port-ok' : ' ps-port-no';
  const path = port.id === PORT_TRUE ? ' ps-port-true' : port.id === PORT_FALSE ? ' ps-port-false' : '';
  const label = port.sub !== undefined ? port.sub : portLabel(port.spec);
  const env = useContext(EditorContext);
  const preview = dir === 'input' && !connected && value !== undefined ? portPreview(port, value, env?.flows) : '';
  return (
    <div
      className={`ps-port ps-port-${dir}${path}${problem ? ' ps-port-problem' : warning ? ' ps-port-warning' : ''}${port.sub !== undefined ? ' ps-port-sub' : ''}${state}`}
      // the hover text is built when the pointer arrives: building and setting it for every
      // port of a 500-node flow up front cost a noticeable part of opening it
      onPointerEnter={(e) => {
        e.currentTarget.title = problem ? `${portTitle(port, dir)}\n⚠ ${problem}` : warning ? `${portTitle(port, dir)}\n△ warning: ${warning}` : portTitle(port, dir);
      }}
      data-port={port.id}
    >
      <Handle
        type={kind}
        position={dir === 'input' ? Position.Left : Position.Right}
        id={port.id}
        className={`ps-handle ps-type-${String(port.spec.type).replace(/[^a-z]/g, '-')}`}
      />
      <span className="ps-port-label">
        {label}
        {port.spec.required && dir === 'input' ? <span className="ps-required">*</span> : null}
      </span>
      {!problem && warning ? (
        <span className="ps-port-warning-mark" aria-label="warning" title={`warning: ${warning}`}>
          △
        </span>
      ) : null}
      <span className="ps-port-type">{port.sub !== undefined ? 'row' : String(port.spec.type)}</span>
      {preview ? <span className="ps-port-preview">{preview}</span> : null}
    </div>
  );
}

function NodeViewImpl({ id, data, selected }: NodeProps<PsNode>) {
  const { node, type, problems, connected, run } = data;
  if (!type) {
    return (
      <div className={`ps-node ps-node-unknown${selected ? ' selected' : ''}`} title={`unknown node type ${node.type}`}>
        <Handle type="target" position={Position.Left} id={PORT_NODE} className="ps-handle" />
        <div className="ps-node-header">
          <span className="ps-node-icon">?</span>
          <span className="ps-node-handle">{node.handle}</span>
        </div>
        <div className="ps-node-problem-line">Unknown node type {node.type}</div>
      </div>
    );
  }
  const inputs = nodeInputs(node, type);
  const outputs = nodeOutputs(node, type);
  const portProblem = new Map<string, string>();
  const portWarning = new Map<string, string>();
  const errors = problems.filter((p) => !p.warning);
  const warnings = problems.filter((p) => p.warning);
  for (const p of errors) if (p.port && !portProblem.has(p.port)) portProblem.set(p.port, p.message);
  for (const p of warnings) if (p.port && !portWarning.has(p.port)) portWarning.set(p.port, p.message);
  const cls = [
    'ps-node',
    selected ? 'selected' : '',
    errors.length ? 'ps-node-has-problems' : warnings.length ? 'ps-node-has-warnings' : '',
    node.flow_state === 'disabled' ? 'ps-node-disabled' : '',
    type.trigger ? 'ps-node-trigger' : '',
    run ? `ps-run-${run.status}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={cls} data-node-id={id} data-handle={node.handle}>
      <div className="ps-node-header" style={{ borderTopColor: categoryColor(type.category) }}>
        <span className="ps-node-icon" aria-hidden>
          {iconGlyph(type.icon, type.name)}
        </span>
        <span className="ps-node-titles">
          <span className="ps-node-handle" title={node.handle}>
            {node.handle}
          </span>
          <span className="ps-node-type">{type.name}</span>
        </span>
        {run?.order ? (
          <span className="ps-node-order" title={`ran as number ${run.order}`}>
            {run.order}
          </span>
        ) : null}
        {errors.length ? (
          <span className="ps-node-problems" title={errors.map((p) => p.message).join('\n')}>
            ⚠ {errors.length}
          </span>
        ) : null}
        {warnings.length ? (
          <span className="ps-node-warnings" title={warnings.map((p) => `warning: ${p.message}`).join('\n')}>
            △ {warnings.length}
          </span>
        ) : null}
      </div>
      <div className="ps-node-body">
        <div className="ps-node-inputs">
          {inputs.map((p) => (
            <PortRow
              key={p.id}
              nodeId={id}
              port={p}
              dir="input"
              value={p.sub === undefined ? node.values?.[p.id] : undefined}
              connected={connected.has(p.id)}
              problem={portProblem.get(p.id)}
              warning={portWarning.get(p.id)}
            />
          ))}
        </div>
        <div className="ps-node-outputs">
          {outputs.map((p) => (
            <PortRow key={p.id} nodeId={id} port={p} dir="output" />
          ))}
        </div>
      </div>
      {node.notes ? <div className="ps-node-notes">{node.notes}</div> : null}
    </div>
  );
}

export const NodeView = memo(NodeViewImpl);
