import type {ConformanceCase} from '../types.js'

// Placeholder: the media cases are being written.
export const mediaCases: readonly ConformanceCase[] = []
