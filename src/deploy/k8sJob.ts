/** What a Kubernetes Job of goon-probe segments is made of. */
export interface K8sJobPlan {
  readonly name: string;
  readonly image: string;
  readonly segments: number;
  /** The probe's own arguments (target and flags), as the user gave them. */
  readonly probeArgs: readonly string[];
  /** RFC 3339 UTC: when round 1 starts on every pod. */
  readonly startAt: string;
  readonly runId: string;
  readonly version: string;
  /** Seconds from the Job's start after which Kubernetes ends whatever still runs: start, plan and margin. */
  readonly deadlineSeconds: number;
}

/** The label that ties a Job's pods together (anti-affinity, `kubectl logs -l`). */
export const JOB_LABEL = 'job-name';

/**
 * Returns an Indexed Job (batch/v1) whose pod i runs segment i/N of the plan with one shared
 * --start-at and prints its run record as the last line of its log: completionMode Indexed, one
 * pod per segment at once, spread over nodes by hostname anti-affinity, non-root with a read-only
 * root filesystem, with resource requests.
 *
 * Failures are handled per index: a segment that exits non-zero (its own verdict: a share that
 * found nothing, an inconclusive run) fails its index alone, is never retried (a retried segment
 * would start late), and never ends the others, so every segment's record reaches the log that
 * merge reads (backoffLimitPerIndex 0, maxFailedIndexes N; a Job-wide backoffLimit 0 would
 * terminate every running pod at the first failure). activeDeadlineSeconds bounds a stuck pod.
 */
export function k8sJob(plan: K8sJobPlan): Record<string, unknown> {
  const labels = { 'app.kubernetes.io/name': 'goon-probe', 'app.kubernetes.io/version': plan.version };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: plan.name, labels: { ...labels, 'goon-probe/run-id': plan.runId } },
    spec: {
      completionMode: 'Indexed',
      completions: plan.segments,
      parallelism: plan.segments,
      backoffLimitPerIndex: 0,
      maxFailedIndexes: plan.segments,
      podReplacementPolicy: 'Failed',
      activeDeadlineSeconds: plan.deadlineSeconds,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: { ...labels, 'goon-probe/run-id': plan.runId } },
        spec: {
          restartPolicy: 'Never',
          // Pods on different nodes: each brings its own ephemeral ports and source address.
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                {
                  labelSelector: { matchLabels: { [JOB_LABEL]: plan.name } },
                  topologyKey: 'kubernetes.io/hostname',
                },
              ],
            },
          },
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'goon-probe',
              image: plan.image,
              // JOB_COMPLETION_INDEX is set by Kubernetes in every pod of an Indexed Job.
              // Kubernetes expands $(VAR) in args; a user's own $ is written $$ so that it arrives as typed.
              args: [
                ...plan.probeArgs.map((arg) => arg.replaceAll('$', '$$$$')),
                '--segment',
                `$(JOB_COMPLETION_INDEX)/${plan.segments}`,
                '--start-at',
                plan.startAt,
                '--run-id',
                plan.runId,
                '--json',
                '-',
                '-q',
                '-y',
              ],
              resources: {
                requests: { cpu: '500m', memory: '256Mi' },
                limits: { memory: '2Gi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
}
