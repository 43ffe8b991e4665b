import { describePassthroughConformance } from './passthrough-target.js';

// The same suite with metadata system calls run inline (the default on local filesystems,
// `-o meta_io=auto`): errors must still arrive as rejections with the same codes.
describePassthroughConformance(', metadata calls inline', { inlineMeta: true });
