/**
 * The layer rules on fixtures: an upward import, a peer import, test helpers in product code,
 * and the renderer reaching into main each fail lint; the allowed directions pass.
 */
import { resolve } from 'node:path';
import { RuleTester } from 'eslint';
import ts from 'typescript-eslint';
import { describe, it } from 'vitest';
import layers from './lint-layers.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const root = resolve(import.meta.dirname, '../..');
const tester = new RuleTester({ languageOptions: { parser: ts.parser } });
const options = [
  {
    root: 'src-main',
    layers: [['model'], ['protocol'], ['storage'], ['services'], ['web', 'electron'], ['']],
  },
];
const at = (path: string) => ({ filename: resolve(root, path), options });

tester.run('no-upward-import', layers.rules['no-upward-import'], {
  valid: [
    { code: "import { x } from '../protocol/events';", ...at('src-main/storage/a-store.ts') },
    { code: "import type { RoomId } from '../model/ids';", ...at('src-main/protocol/sync.ts') },
    { code: "import { db } from './db';", ...at('src-main/storage/a-store.ts') },
    { code: "import { h } from '../testing/fixtures';", ...at('src-main/storage/a.test.ts') },
    {
      code: "import { t } from '../../e2e/homeserver/index';",
      ...at('src-main/storage/b.test.ts'),
    },
    { code: "import { s } from '../services/x';", ...at('src-main/testing/harness.ts') },
    { code: "import { w } from './web/server';", ...at('src-main/index.ts') },
    { code: "import { readFileSync } from 'node:fs';", ...at('src-main/storage/db.ts') },
  ],
  invalid: [
    {
      code: "import type { Core } from '../services/core';",
      ...at('src-main/storage/room-store.ts'),
      errors: [{ messageId: 'upward' }],
    },
    {
      code: "export { Core } from '../services/core';",
      ...at('src-main/protocol/index.ts'),
      errors: [{ messageId: 'upward' }],
    },
    {
      code: "const m = await import('../../src-main/web/server');",
      ...at('src-main/model/ids.ts'),
      errors: [{ messageId: 'upward' }],
    },
    {
      code: "import { relay } from '../electron/ipc-main';",
      ...at('src-main/web/server.ts'),
      errors: [{ messageId: 'peer' }],
    },
    {
      code: "import { memStores } from '../testing/fixtures';",
      ...at('src-main/services/sync-service.ts'),
      errors: [{ messageId: 'testing' }],
    },
    {
      code: "import { start } from '../../e2e/homeserver/server';",
      ...at('src-main/services/demo.ts'),
      errors: [{ messageId: 'outside' }],
    },
    {
      code: 'export const x = 1;',
      ...at('src-main/gadgets/x.ts'),
      errors: [{ messageId: 'unknown' }],
    },
  ],
});

const features = [
  {
    root: 'src-renderer',
    layers: [['lib'], ['state'], ['rooms', 'timeline'], ['']],
    peers: true,
    outside: ['src-main/ipc/contract'],
  },
];
const inRenderer = (path: string) => ({ filename: resolve(root, path), options: features });

tester.run(
  'no-upward-import with peers and allowed outside modules',
  layers.rules['no-upward-import'],
  {
    valid: [
      {
        code: "import R from '../rooms/Room.svelte';",
        ...inRenderer('src-renderer/timeline/T.svelte.ts'),
      },
      {
        code: "import type { AppEvent } from '../../src-main/ipc/contract';",
        ...inRenderer('src-renderer/lib/bridge.ts'),
      },
    ],
    invalid: [
      {
        code: "import { RoomsState } from '../state/rooms.svelte';",
        ...inRenderer('src-renderer/lib/format.ts'),
        errors: [{ messageId: 'upward' }],
      },
      {
        code: "import { sections } from '../rooms/sections';",
        ...inRenderer('src-renderer/state/rooms.svelte.ts'),
        errors: [{ messageId: 'upward' }],
      },
      {
        code: "import type { Stores } from '../../src-main/storage/stores';",
        ...inRenderer('src-renderer/state/rooms.svelte.ts'),
        errors: [{ messageId: 'outside' }],
      },
    ],
  },
);

const renderer = (path: string) => ({ filename: resolve(root, path) });

tester.run('renderer-imports-contract-types', layers.rules['renderer-imports-contract-types'], {
  valid: [
    {
      code: "import type { AppEvent } from '../../src-main/ipc/contract';",
      ...renderer('src-renderer/state/a.svelte.ts'),
    },
    { code: "import { format } from '../lib/format';", ...renderer('src-renderer/rooms/x.ts') },
  ],
  invalid: [
    {
      code: "import { BRIDGE_KEY } from '../../src-main/ipc/channels';",
      ...renderer('src-renderer/lib/bridge.ts'),
      errors: [{ messageId: 'notContract' }],
    },
    {
      code: "import type { Stores } from '../../src-main/storage/stores';",
      ...renderer('src-renderer/lib/x.ts'),
      errors: [{ messageId: 'notContract' }],
    },
    {
      code: "import { type AppEvent } from '../../src-main/ipc/contract';",
      ...renderer('src-renderer/lib/x.ts'),
      errors: [{ messageId: 'notType' }],
    },
  ],
});
