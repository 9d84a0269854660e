import type { FixedResult } from '../probe/result.js';
import { diagnoseResult } from '../probe/diagnose.js';
import { diagnosisLines, evidenceLines, failureList, minAvgMaxDev } from './format.js';
import { formatStatusLine } from './statusLine.js';
import { trafficLines } from './trafficText.js';
import { formatDuration } from '../units.js';

/** Returns the final block of a fixed-mode run. */
export function renderFixedReport(r: FixedResult): string {
  const lines = [
    `--- ${r.target} tcp test statistics ---`,
    formatStatusLine(r.status),
    `Target: ${r.target}, dialed ${r.dialed}`,
    `Established: ${r.totalEstablished} in total, ${r.maxConcurrent} at most at once, ${r.status.established} at closure`,
    ...(r.neverOpened
      ? [`Never opened: ${r.neverOpened} (still dialing or handshaking when the run ended: not established)`]
      : []),
    `Connect time ${minAvgMaxDev(r.connect)}`,
    `Time to error ${minAvgMaxDev(r.timeToError)}`,
    ...trafficLines(r.traffic),
    ...(r.servedRate
      ? [
          `New connections served: about ${r.servedRate.perSec}/s (${r.servedRate.served} served in ${formatDuration(r.servedRate.overMs)}; the ones that timed out waited for their turn or for a full target)`,
        ]
      : []),
    `Errors: ${failureList(r.failures)}`,
    ...evidenceLines(r.failures, r.evidence),
    ...(r.exitCode === 0 ? [] : diagnosisLines(diagnoseResult(r))),
  ];
  if (r.interrupted) lines.push('Interrupted: the counts cover what was measured before Ctrl-C.');
  return `${lines.join('\n')}\n`;
}
