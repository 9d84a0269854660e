// A target slower than the ramp, on the TypeScript engine: test/helpers/paceAdaptsCase.ts.
import { test } from 'uvu';
import { paceAdaptsTest } from '../helpers/paceAdaptsCase.js';

paceAdaptsTest('js');

test.run();
