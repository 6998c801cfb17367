export * from './convert.js';
export * from './errors.js';
export * from './rates.js';
export * from './service.js';
export * from './bins.js';
