/** What a test report includes beyond the results. */
export interface ReportOptions {
  /** Show rule coverage. */
  coverage: boolean
  /** The minimum coverage percentage, when one is required. */
  minCoverage?: number
}
