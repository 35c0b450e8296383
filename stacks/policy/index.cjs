// Pulumi's policy runner require()s this directory and knows no TypeScript of our dialect (ESM, .ts
// imports); tsx compiles the pack behind it.
require('tsx/cjs/api').require('./index.ts', __filename);
