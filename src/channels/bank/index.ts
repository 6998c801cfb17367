// The door of the bank connector: the ISO 20022 client and file formats (issue 11: no deep imports).
export * from './client.js';
export * from '../../protocols/iso20022/index.js';
