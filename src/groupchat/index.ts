// Public surface of the group chat layer (STYLE.md §2): other layers import only this file.
export * from './wire/index.js';
