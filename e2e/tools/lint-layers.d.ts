import type { Rule } from 'eslint';

/** The layer rules of `lint-layers.js` (README "Layers"). */
declare const plugin: {
  meta: { name: string };
  rules: {
    'no-upward-import': Rule.RuleModule;
    'renderer-imports-contract-types': Rule.RuleModule;
  };
};
export default plugin;
