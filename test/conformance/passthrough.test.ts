import { describePassthroughConformance } from './passthrough-target.js';

describePassthroughConformance('');
