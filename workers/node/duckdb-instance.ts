// Native DuckDB's instance class through a static import: the CLI bundle includes the CommonJS
// @duckdb/node-api, and a dynamic import() of it there gives a namespace without its named exports.
export { DuckDBInstance } from '@duckdb/node-api';
