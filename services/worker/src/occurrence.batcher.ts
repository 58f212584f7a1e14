import type { Queue } from 'bullmq';
import { ContentJobPayload, contentJobPayload, enqueueContentJobs } from '@scheduler/queue';
import type { Logger, WorkerMetrics } from '@scheduler/telemetry';
import type { MaterializeResult, MaterializeService, OccurrenceItem } from './materialize.service';

interface Submitted {
  item: OccurrenceItem;
  resolve: (result: MaterializeResult) => void;
  reject: (error: unknown) => void;
}

/** How occurrences are gathered into batches (`OCCURRENCE_BATCH_SIZE`, `OCCURRENCE_BATCH_WAIT_MS`). */
export interface BatchOptions {
  /** At most this many occurrences in one batch (1: each alone). */
  size: number;
  /** The longest a batch waits to fill after its first occurrence arrived (0: the same event-loop turn only). */
  waitMs: number;
}

/**
 * Gathers the occurrences the BullMQ processor submits into batches: a batch runs when it holds
 * `size` occurrences, or `waitMs` after its first one arrived, so one alone waits no longer than
 * that. A batch is materialized in one transaction (`materializeBatch`) and its Jobs are handed
 * to the content queue in one `addBulk`; each submission resolves with its own result only after
 * its Job is committed AND handed over (or, withheld for approval, committed), so an occurrence
 * is acknowledged only then.
 *
 * Failure isolation: when the batch transaction fails, each of its occurrences is materialized
 * again alone (`materialize`, its own transaction), so one bad occurrence fails only itself; with
 * PostgreSQL away each one throws, and its BullMQ job retries with backoff. When the hand-over
 * fails, the occurrences whose Jobs it carried throw: their retry finds the Job (the duplicate
 * path) and hands it over again, under the same queue id.
 */
export class OccurrenceBatcher {
  private pending: Submitted[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      materialize: MaterializeService;
      contentQueue: Queue<ContentJobPayload>;
      logger: Logger;
      metrics: WorkerMetrics;
    },
    private readonly options: BatchOptions,
  ) {}

  /** Materializes the occurrence with the others submitted with it; resolves after its hand-over. */
  submit(item: OccurrenceItem): Promise<MaterializeResult> {
    return new Promise<MaterializeResult>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.size) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.options.waitMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    // Never rejects: each submission is settled inside.
    void this.run(batch);
  }

  private async run(batch: Submitted[]): Promise<void> {
    const startedAt = Date.now();
    this.deps.metrics.occurrenceBatchSize.observe(batch.length);
    const outcomes = await this.materialize(batch.map((b) => b.item));
    // One hand-over for the batch's Jobs (an awaiting or cancelled one is not handed over).
    const handed = outcomes.flatMap((o, i) => (o.ok && o.result.job && !o.result.job.withheld ? [i] : []));
    let handOverError: unknown = null;
    try {
      await enqueueContentJobs(
        this.deps.contentQueue,
        handed.map((i) => contentJobPayload((outcomes[i] as { result: MaterializeResult }).result.job!)),
      );
    } catch (error) {
      handOverError = error;
    }
    const handedSet = new Set(handed);
    batch.forEach((b, i) => {
      const o = outcomes[i];
      if (!o.ok) b.reject(o.error);
      else if (handOverError !== null && handedSet.has(i)) b.reject(handOverError);
      else b.resolve(o.result);
    });
    // One line per batch at info (each occurrence's own line is at debug: see the processor).
    const counts: Record<string, number> = {};
    for (const o of outcomes) {
      const key = !o.ok ? 'failed' : o.result.duplicate ? 'duplicate' : o.result.outcome;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    this.deps.logger.info(
      { batch_size: batch.length, outcomes: counts, hand_over_failed: handOverError !== null, ms: Date.now() - startedAt },
      'occurrence batch processed',
    );
  }

  /** The batch in one transaction; if that fails, each occurrence alone (its own error, or its result). */
  private async materialize(items: OccurrenceItem[]): Promise<({ ok: true; result: MaterializeResult } | { ok: false; error: unknown })[]> {
    const one = (item: OccurrenceItem) =>
      this.deps.materialize.materialize(item.scheduleId, item.version, item.occurrence, item.shifted === true).then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error }),
      );
    if (items.length === 1) return [await one(items[0])];
    try {
      const results = await this.deps.materialize.materializeBatch(items);
      return results.map((result) => ({ ok: true as const, result }));
    } catch (error) {
      this.deps.logger.warn({ batch_size: items.length, err: error }, 'occurrence batch failed; materializing each alone');
      // One after another: a schedule's occurrences in order, and no burst of connections while PostgreSQL struggles.
      const out: Awaited<ReturnType<typeof one>>[] = [];
      for (const item of items) out.push(await one(item));
      return out;
    }
  }
}
