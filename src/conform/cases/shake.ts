import type {ConformanceCase} from '../types.js'

// Placeholder: the shake cases are being written.
export const shakeCases: readonly ConformanceCase[] = []
