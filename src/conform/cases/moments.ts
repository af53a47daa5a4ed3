import type {ConformanceCase} from '../types.js'

// Placeholder: the moments cases are being written.
export const momentsCases: readonly ConformanceCase[] = []
