export * from './gan-compression';
export * from './gan-compression-report';
