export * from './npy';
export * from './npz';
export * from './gaussian-stats';
export * from './frechet';
export * from './stats-files';
export * from './mode-coverage';
