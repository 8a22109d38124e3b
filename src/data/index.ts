export * from './errors';
export * from './dataset';
export * from './idx';
export * from './idx-dataset';
export * from './mnist';
export * from './fashion';
export * from './splits';
export * from './load';
