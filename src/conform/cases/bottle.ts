import type {ConformanceCase} from '../types.js'

// Placeholder: the bottle cases are being written.
export const bottleCases: readonly ConformanceCase[] = []
