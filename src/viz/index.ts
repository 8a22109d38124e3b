export * from './html';
export * from './plotly';
export * from './image-grid';
export * from './table';
