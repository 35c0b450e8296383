/** Errors of one measured point, by kind (wrk's own split; the DB-alone tool fills `status` with SQL errors). */
export interface PointErrors {
  connect: number;
  read: number;
  write: number;
  /** HTTP answers other than 2xx/3xx (wrk), failed statements (DB alone). */
  status: number;
  timeout: number;
}

/** One measured point: one series at one concurrency. Latencies in milliseconds. */
export interface PointResult {
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: PointErrors;
  /**
   * Requests sent that had no answer when the run ended (wrk: the script's count of requests sent
   * minus answers). A closed-loop client keeps one request per connection in flight, so about one per
   * connection is normal; wrk counts a timeout only for an answer that came late, never for one that
   * did not come at all, so a stuck server shows here and nowhere else.
   */
  unanswered?: number;
}

export function totalErrors(errors: PointErrors): number {
  return errors.connect + errors.read + errors.write + errors.status + errors.timeout;
}

export function noErrors(): PointErrors {
  return { connect: 0, read: 0, write: 0, status: 0, timeout: 0 };
}
