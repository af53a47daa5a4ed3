import type {ConformanceCase} from '../types.js'

// Placeholder: the nearby cases are being written.
export const nearbyCases: readonly ConformanceCase[] = []
