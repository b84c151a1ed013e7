/** The drag-and-drop type of a palette item; its data is the node type id. */
export const PALETTE_MIME = 'application/x-polysynergy-node-type';
/** The grid nodes snap to, in flow pixels. */
export const GRID = 16;
