// Lets Node run the TypeScript sources directly (built-in type stripping) for the webhook
// benchmark: relative `./x.js` imports resolve to `./x.ts` when only the .ts exists, as tsc's
// NodeNext convention intends. Usage: node --import ./bench/webhook-ts-hooks.mjs bench/webhook-bench.ts
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      const ts = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
      if (existsSync(fileURLToPath(ts))) return next(ts.href, context);
    }
    return next(specifier, context);
  },
});
