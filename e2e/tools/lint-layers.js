/**
 * ESLint rules that keep the layers of README "Layers" true. Plain JavaScript so that
 * `eslint.config.js` can load it without a TypeScript loader.
 *
 * - `layers/no-upward-import`: inside a layered folder (`src-main/`, the test homeserver), a
 *   module imports only from its own layer or lower ones, never from a higher layer or a peer of
 *   its own rank. Test files may also import the folder's `testing/` helpers and `e2e/`.
 * - `layers/renderer-imports-contract-types`: the renderer imports from `src-main/` only types,
 *   and only from `src-main/ipc/contract.ts`.
 */
import { dirname, relative, resolve, sep } from 'node:path';

const TEST_FILE = /\.test\.ts$/;

/** Every module specifier of a file: imports, re-exports, dynamic imports. */
function sourcesOf(context, check) {
  const visit = (node) => {
    if (node.source && typeof node.source.value === 'string') check(node, node.source.value);
  };
  return {
    ImportDeclaration: visit,
    ExportNamedDeclaration: visit,
    ExportAllDeclaration: visit,
    ImportExpression(node) {
      if (node.source.type === 'Literal' && typeof node.source.value === 'string')
        check(node, node.source.value);
    },
  };
}

/** The first folder of `file` under `root` (`''` for a file directly in it), or undefined. */
function folderIn(root, file) {
  const rel = relative(root, file);
  if (rel.startsWith('..') || rel === '') return undefined;
  const parts = rel.split(sep);
  return parts.length === 1 ? '' : parts[0];
}

/** @type {import('eslint').Rule.RuleModule} */
const noUpwardImport = {
  meta: {
    type: 'problem',
    docs: { description: 'Lower layers never import higher ones (README "Layers").' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          layers: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
          testing: { type: 'string' },
          /** Layers of the same rank may import each other (default: they stay apart). */
          peers: { type: 'boolean' },
          /** Modules outside `root` that product code may import (paths from the repository). */
          outside: { type: 'array', items: { type: 'string' } },
        },
        required: ['root', 'layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      upward:
        "{{from}}/ may not import {{to}}/: a lower layer never imports a higher one (README 'Layers').",
      peer: "{{from}}/ may not import {{to}}/: layers of the same rank stay apart (README 'Layers').",
      testing: 'Only tests import {{to}}/ (test helpers), not {{from}}/ code.',
      outside: '{{from}}/ may not import {{target}}: outside {{root}}/ only packages are imported.',
      unknown:
        "{{folder}}/ is not a layer: add it to the layers in eslint.config.js and README 'Layers'.",
    },
  },
  create(context) {
    const { root: rootOpt, layers, testing = 'testing', peers = false } = context.options[0];
    const outsideAllowed = (context.options[0].outside ?? []).map((p) => resolve(context.cwd, p));
    const root = resolve(context.cwd, rootOpt);
    const file = context.filename;
    const from = folderIn(root, file);
    if (from === undefined) return {};
    const rank = new Map();
    layers.forEach((names, i) => names.forEach((n) => rank.set(n, i)));
    const name = from || '(entry)';
    const isTest = TEST_FILE.test(file);
    const fromTesting = from === testing;
    if (!fromTesting && !rank.has(from)) {
      return {
        Program(node) {
          context.report({ node, messageId: 'unknown', data: { folder: name } });
        },
      };
    }
    return sourcesOf(context, (node, source) => {
      if (!source.startsWith('.')) return;
      const target = resolve(dirname(file), source);
      const to = folderIn(root, target);
      if (to === undefined) {
        if (isTest || fromTesting) return;
        if (outsideAllowed.includes(target.replace(/\.ts$/, ''))) return;
        const data = { from: name, root: rootOpt, target: relative(context.cwd, target) };
        context.report({ node, messageId: 'outside', data });
        return;
      }
      if (to === from || fromTesting) return;
      if (to === testing) {
        if (!isTest) context.report({ node, messageId: 'testing', data: { from: name, to } });
        return;
      }
      const a = rank.get(from);
      const b = rank.get(to);
      if (b === undefined) return; // an unknown folder is reported on its own files
      const data = { from: name, to: to || '(entry)' };
      if (b > a) context.report({ node, messageId: 'upward', data });
      else if (b === a && !peers) context.report({ node, messageId: 'peer', data });
    });
  },
};

/** @type {import('eslint').Rule.RuleModule} */
const rendererImportsContractTypes = {
  meta: {
    type: 'problem',
    docs: { description: 'The renderer imports only types, only from src-main/ipc/contract.ts.' },
    schema: [],
    messages: {
      notContract:
        'The renderer imports nothing of src-main but src-main/ipc/contract.ts (found {{target}}).',
      notType:
        "The renderer imports src-main/ipc/contract.ts with 'import type' only: nothing of main may reach its bundle.",
    },
  },
  create(context) {
    const main = resolve(context.cwd, 'src-main');
    const contract = resolve(main, 'ipc/contract');
    return sourcesOf(context, (node, source) => {
      if (!source.startsWith('.')) return;
      const target = resolve(dirname(context.filename), source).replace(/\.ts$/, '');
      if (folderIn(main, target) === undefined) return;
      if (target !== contract) {
        const data = { target: relative(context.cwd, target) };
        context.report({ node, messageId: 'notContract', data });
        return;
      }
      // `import { type X }` still leaves an import of the module behind: only `import type`.
      const typeOnly = node.importKind === 'type' || node.exportKind === 'type';
      if (!typeOnly) context.report({ node, messageId: 'notType' });
    });
  },
};

export default {
  meta: { name: 'layers' },
  rules: {
    'no-upward-import': noUpwardImport,
    'renderer-imports-contract-types': rendererImportsContractTypes,
  },
};
