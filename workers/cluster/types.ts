/** Job kinds of this area, with their parameters and results (re-exported by workers/api). */
// Filled in as the area's jobs land; an empty map registers nothing.
export type ClusterJobs = Record<never, never>;
