export * from './errors.js';
export * from './model.js';
export * from './service.js';
export * from './verify.js';
export * from './chart.js';
