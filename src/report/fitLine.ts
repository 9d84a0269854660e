/** A field of a one-line status, and how soon it gives way when the line is too wide (0: never). */
export interface LineField {
  readonly text: string;
  readonly giveWay: number;
}

/**
 * Returns the fields joined by two spaces, leaving out the ones that give way first (the highest
 * `giveWay`, the rightmost of equals) until the line fits `width`; cut at the width only when the
 * fields that never give way are wider still.
 */
export function fitLine(fields: readonly LineField[], width: number): string {
  const kept = [...fields];
  const line = (): string => kept.map((f) => f.text).join('  ');
  while (line().length > width) {
    let worst = -1;
    kept.forEach((f, i) => {
      if (f.giveWay > 0 && (worst < 0 || f.giveWay >= (kept[worst] as LineField).giveWay)) worst = i;
    });
    if (worst < 0) break;
    kept.splice(worst, 1);
  }
  return line().slice(0, Math.max(0, width));
}
