export * from './errors.js';
export * from './model.js';
export * from './service.js';
export * from './state.js';
export * from './token.js';
