/** Flag values fixed by the WebGPU spec (GPUBufferUsage, GPUMapMode): the globals may be absent in a worker or in Node. */
export const USAGE_MAP_READ = 0x0001;
export const USAGE_COPY_SRC = 0x0004;
export const USAGE_COPY_DST = 0x0008;
export const USAGE_UNIFORM = 0x0040;
export const USAGE_STORAGE = 0x0080;
export const MAP_MODE_READ = 0x0001;

/** Per-buffer ceiling, whatever the device allows: keeps every binding within 256 MiB. */
export const MAX_BUFFER_BYTES = 256 * 1024 * 1024;
