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
}

export function totalErrors(errors: PointErrors): number {
  return errors.connect + errors.read + errors.write + errors.status + errors.timeout;
}

export function noErrors(): PointErrors {
  return { connect: 0, read: 0, write: 0, status: 0, timeout: 0 };
}
