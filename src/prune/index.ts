export * from './masks';
export * from './schedule';
export * from './accumulator';
export * from './accumulator-report';
