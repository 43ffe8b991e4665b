// node --import ./test/helpers/loaded-packages.mjs ...: at exit, writes the npm packages the
// process loaded (one name a line) to $FSI_LOADED_PACKAGES_FILE.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const packages = new Set();
registerHooks({
  load(url, context, next) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (m) packages.add(m[1]);
    return next(url, context);
  },
});
process.on('exit', () => {
  const file = process.env.FSI_LOADED_PACKAGES_FILE;
  if (file) writeFileSync(file, [...packages].sort().join('\n'));
});
