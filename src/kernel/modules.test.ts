import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ModuleManifest, orderModules } from './modules.ts';

const manifest = (name: string, dependsOn: string[] = []): ModuleManifest => ({
  name,
  dependsOn,
  permissions: [],
  register: async () => undefined,
});

describe('orderModules', () => {
  it('puts every module after the modules it depends on', () => {
    const order = orderModules([
      manifest('cases', ['forms', 'identity']),
      manifest('forms', ['identity']),
      manifest('identity'),
    ]);
    assert.deepEqual(
      order.map((m) => m.name),
      ['identity', 'forms', 'cases'],
    );
  });

  it('refuses cycles, unknown dependencies and duplicate names', () => {
    assert.throws(() => orderModules([manifest('a', ['b']), manifest('b', ['a'])]), /cycle: a → b → a/);
    assert.throws(() => orderModules([manifest('a', ['ghost'])]), /depends on ghost/);
    assert.throws(() => orderModules([manifest('a'), manifest('a')]), /registered twice/);
  });
});
