import type {ConformanceCase} from '../types.js'

export const syncCases: ConformanceCase[] = []
