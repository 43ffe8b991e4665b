import { describePassthroughConformance } from './passthrough-target.js';

// The suite with parent directories kept open by path (`cacheDirs`, what `-o exclusive` turns
// on), metadata calls inline as on a local filesystem.
describePassthroughConformance(', directory fds cached', { inlineMeta: true, cacheDirs: true });
