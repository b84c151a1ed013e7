/** The drag-and-drop type of a palette item; its data is the node type id. */
export const PALETTE_MIME = 'application/x-polysynergy-node-type';
/** The grid nodes snap to, in flow pixels. */
export const GRID = 16;

/** The minimap's size in screen pixels (React Flow's panels sit 15px from the pane's edge). */
export const MINIMAP_SIZE = { width: 160, height: 100 };
/** Where the minimap's shown/hidden choice is remembered (in the browser). */
export const MINIMAP_KEY = 'ps.minimap';

/**
 * The padding Fit and Layout leave around the nodes: the bottom strip holds the minimap
 * (bottom right) and the zoom controls (bottom left), so nodes do not land under them.
 */
export const FIT_PADDING = { top: '8%', left: '8%', right: '8%', bottom: `${Math.max(MINIMAP_SIZE.height, 120) + 15 + GRID}px` } as const;
