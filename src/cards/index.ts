export * from './brand.js';
export * from './errors.js';
export * from './fingerprint.js';
export * from './luhn.js';
export * from './model.js';
export * from './pan.js';
export * from './validate.js';
export { createCardVault, type CardVault, type CardVaultDeps } from './vault.js';
