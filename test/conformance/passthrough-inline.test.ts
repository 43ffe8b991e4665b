import { setInlineSyscalls } from '../../src/sys/libc.js';
import { describePassthroughConformance } from './passthrough-target.js';

// The same suite with metadata system calls run inline (the default on local filesystems,
// `-o meta_io=auto`): errors must still arrive as rejections with the same codes.
setInlineSyscalls(true);
describePassthroughConformance(', metadata calls inline');
