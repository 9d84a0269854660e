// A target slower than the ramp, on the native engine: test/helpers/paceAdaptsCase.ts.
import { test } from 'uvu';
import { paceAdaptsTest } from '../helpers/paceAdaptsCase.js';

paceAdaptsTest('native');

test.run();
