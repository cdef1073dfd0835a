import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { repoPath } from '../support/paths.js';

// The project pins a Node 22 runtime from the npm registry (devDependency "node"); npm scripts put
// it first on PATH. This test fails if the suite was started on an older system Node.
describe('runtime', () => {
  it('runs on the Node major version that package.json engines requires', () => {
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { engines: { node: string } };
    const required = Number(/(\d+)/.exec(pkg.engines.node)?.[1]);
    const major = Number(process.versions.node.split('.')[0]);
    console.log(`      running on Node ${process.versions.node}, engines.node ${pkg.engines.node}`);
    assert.ok(required >= 22, `engines.node must require 22 or newer, got ${pkg.engines.node}`);
    assert.ok(major >= required, `running on Node ${process.versions.node}, below engines ${pkg.engines.node}`);
  });
});
