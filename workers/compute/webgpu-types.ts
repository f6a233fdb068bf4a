/**
 * The slice of the WebGPU API the engine's kernels use (the workers tsconfig has no WebGPU types:
 * the engine runs in browsers, where it is `navigator.gpu`, and in Node, where Dawn provides it).
 */
export interface GpuLimitsLike {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxComputeWorkgroupSizeX?: number;
  readonly maxComputeInvocationsPerWorkgroup?: number;
  readonly maxComputeWorkgroupStorageSize?: number;
}

export interface GpuAdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

export interface GpuAdapterLike {
  readonly limits: GpuLimitsLike;
  /** Current spec: on `info`. Older Chromium: on the adapter itself. */
  readonly info?: GpuAdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
  requestDevice(descriptor?: { requiredLimits?: Record<string, number>; label?: string }): Promise<GpuDeviceLike>;
}

export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance'; featureLevel?: 'core' | 'compatibility' }): Promise<GpuAdapterLike | null>;
}

export interface GpuBufferLike {
  readonly size: number;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

export interface GpuBindGroupLayoutLike {
  readonly label?: string;
}

export interface GpuComputePipelineLike {
  getBindGroupLayout(index: number): GpuBindGroupLayoutLike;
}

export interface GpuBindGroupLike {
  readonly label?: string;
}

export interface GpuComputePassLike {
  setPipeline(pipeline: GpuComputePipelineLike): void;
  setBindGroup(index: number, group: GpuBindGroupLike): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

export interface GpuCommandBufferLike {
  readonly label?: string;
}

export interface GpuCommandEncoderLike {
  beginComputePass(): GpuComputePassLike;
  clearBuffer(buffer: GpuBufferLike, offset?: number, size?: number): void;
  copyBufferToBuffer(source: GpuBufferLike, sourceOffset: number, destination: GpuBufferLike, destinationOffset: number, size: number): void;
  finish(): GpuCommandBufferLike;
}

export interface GpuQueueLike {
  writeBuffer(buffer: GpuBufferLike, bufferOffset: number, data: Uint32Array): void;
  submit(commandBuffers: GpuCommandBufferLike[]): void;
}

export interface GpuDeviceLike {
  readonly limits: GpuLimitsLike;
  readonly queue: GpuQueueLike;
  readonly lost: Promise<{ reason?: string; message: string }>;
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<{ message: string } | null>;
  createBuffer(descriptor: { size: number; usage: number; label?: string }): GpuBufferLike;
  createShaderModule(descriptor: { code: string }): unknown;
  createComputePipelineAsync(descriptor: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): Promise<GpuComputePipelineLike>;
  createBindGroup(descriptor: { layout: GpuBindGroupLayoutLike; entries: { binding: number; resource: { buffer: GpuBufferLike } }[] }): GpuBindGroupLike;
  createCommandEncoder(): GpuCommandEncoderLike;
  destroy(): void;
}
